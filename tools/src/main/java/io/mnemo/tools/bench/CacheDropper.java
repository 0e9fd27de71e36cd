package io.mnemo.tools.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Empties the kernel's caches before a phase that must ask the file system rather than memory.
 * Only root may; otherwise the phase runs warm and the report says so.
 */
@FunctionalInterface
public interface CacheDropper {
    /** Drops what it can and says whether the next phase runs cold. */
    CacheState drop();

    /** Whether a phase ran with cold caches, and what was done (or why it could not be). */
    record CacheState(boolean cold, String how) {}

    /** Drops the dentry and inode caches (so that stats reach the file system); leaves file data cached. */
    static CacheDropper dentriesAndInodes() {
        return () -> write("2", "dropped the kernel's dentry and inode caches");
    }

    /**
     * Writes dirty data back with {@code sync} (the kernel drops only clean pages), then drops the
     * page cache and the dentry and inode caches, so that reads come from the file system's storage.
     */
    static CacheDropper pagesDentriesAndInodes() {
        return () -> {
            try {
                Process sync = new ProcessBuilder("sync").redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
                if (!sync.waitFor(10, TimeUnit.MINUTES)) {
                    sync.destroy();
                    return new CacheState(false, "sync did not finish in 10 minutes");
                }
                if (sync.exitValue() != 0) {
                    return new CacheState(false, "sync failed with exit code " + sync.exitValue());
                }
            } catch (IOException e) {
                return new CacheState(false, "cannot run sync: " + PhaseRunner.describe(e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new CacheState(false, "interrupted during sync");
            }
            return write("3", "synced, then dropped the kernel's page, dentry and inode caches");
        };
    }

    private static CacheState write(String what, String done) {
        try {
            Files.writeString(Path.of("/proc/sys/vm/drop_caches"), what + "\n", StandardCharsets.US_ASCII);
            return new CacheState(true, done);
        } catch (IOException | SecurityException e) {
            return new CacheState(false, "cannot drop the kernel's caches: " + PhaseRunner.describe(e));
        }
    }
}
