package io.mnemo.fuse;

import io.mnemo.core.client.MnemoClient;
import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Mnemo file system mounted with FUSE. {@link #mount} returns once the kernel routes calls
 * to us (checked with a probe, not a sleep); {@link #close} unmounts and waits for libfuse's
 * loop to end.
 */
public final class FuseMount implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(FuseMount.class);
    private static final long READY_TIMEOUT_MILLIS = 20_000;
    /** How long a mount already at the mount point gets to answer a stat. */
    private static final long STALE_PROBE_MILLIS = 3_000;

    private final Path mountPoint;
    private final MnemoFuse fuse;
    private final MountOptions options;
    private final AttachWarmup warmup;
    private final Thread loop;
    private volatile Throwable loopFailure;

    private FuseMount(Path mountPoint, MnemoFuse fuse, MountOptions options, AttachWarmup warmup) {
        this.mountPoint = mountPoint;
        this.fuse = fuse;
        this.options = options;
        this.warmup = warmup;
        this.loop = Thread.ofPlatform().name("fuse-loop").daemon().unstarted(this::runLoop);
    }

    /**
     * Mounts {@code client}'s file system at {@code mountPoint}, which must be an empty directory.
     *
     * @throws FsException ENOENT / ENOTDIR / ENOTEMPTY for a bad mount point, EIO or ETIMEDOUT when FUSE fails
     */
    public static FuseMount mount(MnemoClient client, Path mountPoint, MountOptions options)
            throws FsException, InterruptedException {
        Path target = mountPoint.toAbsolutePath().normalize();
        requireEmptyDirectory(target);
        MountProbe probe = new MountProbe();
        AttachWarmup warmup = new AttachWarmup();
        FuseMount mount = new FuseMount(target, new MnemoFuse(client, options.entryTimeout(), probe, warmup), options,
                warmup);
        mount.loop.start();
        try {
            probe.await(target, mount.loop::isAlive, READY_TIMEOUT_MILLIS);
            KernelReadahead.widen(target);
            warmup.start(target);
        } catch (IOException | InterruptedException e) {
            mount.close();
            Throwable cause = mount.loopFailure;
            if (cause != null) {
                throw new FsException(Errno.EIO, "cannot mount at " + target + ": " + cause.getMessage());
            }
            if (e instanceof FsException fs) {
                throw fs;
            }
            if (e instanceof InterruptedException ie) {
                throw ie;
            }
            throw new FsException(Errno.EIO, "cannot mount at " + target + ": " + e.getMessage());
        }
        return mount;
    }

    private void runLoop() {
        try {
            // Blocks in libfuse's multithreaded loop until the file system is unmounted.
            fuse.mount(mountPoint, true, options.debug(), options.fuseArguments().toArray(String[]::new));
        } catch (Throwable t) {
            loopFailure = t;
        }
    }

    public Path mountPoint() {
        return mountPoint;
    }

    /** Blocks until the file system is unmounted, by {@link #close} or from outside (fusermount -u). */
    public void awaitUnmounted() throws InterruptedException {
        loop.join();
    }

    public boolean isMounted() {
        return loop.isAlive();
    }

    @Override
    public void close() {
        warmup.close();
        if (loop.isAlive() || isListedInProcMounts(mountPoint)) {
            fusermount("-u", mountPoint);
            try {
                loop.join(TimeUnit.SECONDS.toMillis(5));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (loop.isAlive() || isListedInProcMounts(mountPoint)) {
                LOG.warn("{} is busy; detaching it lazily", mountPoint);
                fusermount("-uz", mountPoint);
            }
        }
        fuse.markUnmounted();
    }

    private static void fusermount(String flag, Path mountPoint) {
        try {
            Process p = new ProcessBuilder("fusermount", flag, mountPoint.toString())
                    .redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes()).trim();
            if (p.waitFor() != 0 && isListedInProcMounts(mountPoint)) {
                LOG.warn("fusermount {} {}: {}", flag, mountPoint, output);
            }
        } catch (IOException e) {
            LOG.warn("cannot run fusermount: {}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static boolean isListedInProcMounts(Path mountPoint) {
        try (Stream<String> lines = Files.lines(Path.of("/proc/mounts"))) {
            String needle = " " + mountPoint + " ";
            return lines.anyMatch(l -> l.contains(needle));
        } catch (IOException e) {
            return false;
        }
    }

    private static void requireEmptyDirectory(Path target) throws FsException {
        clearStaleMount(target);
        if (!Files.isDirectory(target)) {
            throw new FsException(Files.exists(target) ? Errno.ENOTDIR : Errno.ENOENT,
                    target + ": not a directory");
        }
        try (Stream<Path> entries = Files.list(target)) {
            if (entries.findAny().isPresent()) {
                throw new FsException(Errno.ENOTEMPTY, target + ": not an empty directory");
            }
        } catch (IOException e) {
            throw new FsException(Errno.EIO, target + ": cannot list: " + e.getMessage());
        }
    }

    /**
     * Deals with a mount already at {@code target}: one left by a killed process, which answers
     * "not connected", is detached so the point can be reused; one that does not answer at all
     * (its server stopped without the kernel noticing) fails at once with the way out, rather than
     * hanging whoever looks at it. A live mount is left alone (it is not an empty directory).
     *
     * @throws FsException EBUSY for a mount that does not answer
     */
    public static void clearStaleMount(Path target) throws FsException {
        if (!isListedInProcMounts(target)) {
            return;
        }
        CompletableFuture<IOException> probe = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("mount-point-probe").start(() -> {
            try {
                Files.readAttributes(target, BasicFileAttributes.class);
                probe.complete(null);
            } catch (IOException e) {
                probe.complete(e);
            }
        });
        IOException failure;
        try {
            failure = probe.get(STALE_PROBE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new FsException(Errno.EBUSY, target + ": the mount there does not answer (left by a Mnemo that was "
                    + "killed?); detach it with: fusermount -uz " + target);
        } catch (ExecutionException | InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FsException(Errno.EIO, target + ": interrupted while checking the mount there");
        }
        if (failure != null && String.valueOf(failure.getMessage()).contains("not connected")) {
            LOG.warn("{} is a dead FUSE mount left behind by a crash; unmounting it", target);
            fusermount("-uz", target);
        }
    }
}
