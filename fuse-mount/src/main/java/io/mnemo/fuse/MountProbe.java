package io.mnemo.fuse;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.Name;
import java.io.IOException;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * Tells when a mount really answers: a child {@code stat} looks up a unique name under the mount
 * point until our own lookup has seen that name arrive through the kernel. A child, not
 * this process: a process killed while one of its threads waits on its own mount never finishes
 * exiting: the call waits for an answer only that process could give.
 */
final class MountProbe {
    private final String name = ".mnemo-probe-" + UUID.randomUUID();
    private volatile boolean seen;

    /** Called with every name looked up in the root; notes the probe's (and costs nothing once it has). */
    void check(Name lookedUp) {
        if (!seen && lookedUp.toString().equals(name)) {
            seen = true;
        }
    }

    /** Waits until the probe is seen, the mount thread died ({@code alive} false), or the timeout. */
    void await(Path mountPoint, BooleanSupplier alive, long timeoutMillis) throws IOException, InterruptedException {
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
            Process stat = new ProcessBuilder("stat", probe.toString()).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            if (!stat.waitFor(Math.max(1, (deadline - System.nanoTime()) / 1_000_000), TimeUnit.MILLISECONDS)) {
                stat.destroyForcibly();
            }
            if (!seen) {
                Thread.sleep(10);
            }
        }
    }
}
