package io.mnemo.fuse;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.UUID;
import java.util.function.BooleanSupplier;

/**
 * Tells when a mount really answers: the mounter stats a unique name under the mount point
 * until our own {@code getattr} has seen that name arrive through the kernel.
 */
final class MountProbe {
    private final String name = ".mnemo-probe-" + UUID.randomUUID();
    private volatile boolean seen;

    /** Called by getattr with every path; notes the probe's. */
    void check(String path) {
        if (!seen && path.length() == name.length() + 1 && path.endsWith(name)) {
            seen = true;
        }
    }

    /** Waits until the probe is seen, the mount thread died ({@code alive} false), or the timeout. */
    void await(Path mountPoint, BooleanSupplier alive, long timeoutMillis) throws FsException, InterruptedException {
        Path probe = mountPoint.resolve(name);
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (!seen) {
            if (!alive.getAsBoolean()) {
                throw new FsException(Errno.EIO, "the FUSE mount at " + mountPoint + " ended before it answered");
            }
            if (System.nanoTime() > deadline) {
                throw new FsException(Errno.ETIMEDOUT, "the FUSE mount at " + mountPoint + " did not answer in "
                        + timeoutMillis + " ms");
            }
            Files.exists(probe, LinkOption.NOFOLLOW_LINKS);
            if (!seen) {
                Thread.sleep(10);
            }
        }
    }
}
