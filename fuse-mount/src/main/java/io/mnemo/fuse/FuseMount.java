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
 * A Mnemo file system mounted with FUSE. {@link #mount} mounts with {@link Fusermount}, starts
 * the {@link FuseSession} that answers the kernel on the descriptor it hands back, and returns once the kernel
 * routes calls to us (checked with a probe, not a sleep); {@link #close} unmounts and waits for
 * the session to end.
 */
public final class FuseMount implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(FuseMount.class);
    private static final long READY_TIMEOUT_MILLIS = 20_000;
    private static final long END_TIMEOUT_MILLIS = 5_000;
    /** How long a mount already at the mount point gets to answer a stat. */
    private static final long STALE_PROBE_MILLIS = 3_000;

    private final Path mountPoint;
    private final int fd;
    private final FuseSession session;
    private boolean deviceClosed;

    private FuseMount(Path mountPoint, int fd, FuseSession session) {
        this.mountPoint = mountPoint;
        this.fd = fd;
        this.session = session;
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
        int fd = Fusermount.mount(target, options);
        MountProbe probe = new MountProbe();
        MnemoFuse files = new MnemoFuse(client, options, probe, new KernelNotices(fd));
        FuseSession session = new FuseSession(fd, files, options.debug());
        FuseMount mount = new FuseMount(target, fd, session);
        session.start();
        try {
            probe.await(target, session::isRunning, READY_TIMEOUT_MILLIS);
            KernelReadahead.widen(target);
        } catch (IOException | InterruptedException e) {
            mount.close();
            Throwable cause = session.failure();
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

    public Path mountPoint() {
        return mountPoint;
    }

    /** Blocks until the file system is unmounted, by {@link #close} or from outside (fusermount -u). */
    public void awaitUnmounted() throws InterruptedException {
        session.awaitEnd();
        closeDevice();
    }

    public boolean isMounted() {
        return session.isRunning();
    }

    @Override
    public void close() {
        if (session.isRunning() || isListedInProcMounts(mountPoint)) {
            fusermount("-u", mountPoint);
            try {
                session.awaitEnd(END_TIMEOUT_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (session.isRunning() || isListedInProcMounts(mountPoint)) {
                LOG.warn("{} is busy; detaching it lazily", mountPoint);
                fusermount("-uz", mountPoint);
            }
        }
        closeDevice();
    }

    /** Closes our end of the connection once nothing reads from it any more. */
    private synchronized void closeDevice() {
        if (!deviceClosed && !session.isRunning()) {
            LibC.INSTANCE.close(fd);
            deviceClosed = true;
        }
    }

    private static void fusermount(String flag, Path mountPoint) {
        try {
            Process p = new ProcessBuilder(Fusermount.COMMAND, flag, mountPoint.toString())
                    .redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes()).trim();
            if (p.waitFor() != 0 && isListedInProcMounts(mountPoint)) {
                LOG.warn("{} {} {}: {}", Fusermount.COMMAND, flag, mountPoint, output);
            }
        } catch (IOException e) {
            LOG.warn("cannot run {}: {}", Fusermount.COMMAND, e.getMessage());
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
            throw Files.exists(target) ? new FsException(Errno.ENOTDIR, target + ": not a directory")
                    : new FsException(Errno.ENOENT, target + ": no such directory");
        }
        boolean empty;
        try (Stream<Path> entries = Files.list(target)) {
            empty = entries.findAny().isEmpty();
        } catch (IOException e) {
            throw new FsException(Errno.EIO, target + ": cannot list: " + e.getMessage());
        }
        if (!empty) {
            throw new FsException(Errno.ENOTEMPTY, target + ": not an empty directory");
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
                    + "killed?); detach it with: " + Fusermount.COMMAND + " -uz " + target);
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
