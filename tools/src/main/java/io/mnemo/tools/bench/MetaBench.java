package io.mnemo.tools.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * The metadata benchmark: in a fresh directory under the target, creates N empty files, stats
 * them (cold, when the kernel's caches can be dropped), then unlinks them, each phase spread over
 * T threads that each take every T-th file, and times every operation. The directory is removed
 * at the end; a phase that fails stops the run with the file and the error.
 */
public final class MetaBench {
    private final Path target;
    private final int threads;
    private final int files;
    private final PrintStream progress;

    /**
     * @param target an existing, writable directory
     * @param progress where phases report how far they are (stderr)
     */
    public MetaBench(Path target, int threads, int files, PrintStream progress) {
        this.target = target;
        this.threads = threads;
        this.files = files;
        this.progress = progress;
    }

    /** What a run measured, and whether its stats were cold. */
    public record Result(Path directory, List<PhaseResult> phases, String statCaches) {}

    public Result run() throws IOException, InterruptedException {
        Path dir = Files.createDirectory(target.resolve("mnemo-bench-" + ProcessHandle.current().pid() + "-"
                + Long.toHexString(System.nanoTime())));
        List<PhaseResult> phases = new ArrayList<>();
        try {
            phases.add(phase("create", dir, path -> Files.createFile(path)));
            String caches = dropKernelCaches();
            phases.add(phase("stat", dir, path -> Files.readAttributes(path, BasicFileAttributes.class)));
            phases.add(phase("unlink", dir, path -> Files.delete(path)));
            return new Result(dir, phases, caches);
        } finally {
            cleanUp(dir);
        }
    }

    @FunctionalInterface
    private interface FileOp {
        void apply(Path file) throws IOException;
    }

    private PhaseResult phase(String name, Path dir, FileOp op) throws IOException, InterruptedException {
        return PhaseRunner.run(name, files, threads, "files", i -> dir.resolve(fileName(i)),
                () -> i -> op.apply(dir.resolve(fileName(i))), progress);
    }

    static String fileName(int i) {
        return String.format("f-%08d", i);
    }

    /**
     * Drops the kernel's dentry and inode caches (so that the stats ask the file system) if this
     * process may; says which way the stats will run.
     */
    static String dropKernelCaches() {
        CacheDropper.CacheState state = CacheDropper.dentriesAndInodes().drop();
        return state.cold() ? "cold (" + state.how() + ")"
                : "warm (" + state.how() + "; run as root for cold stats)";
    }

    private void cleanUp(Path dir) {
        for (int i = 0; i < files; i++) {
            try {
                Files.deleteIfExists(dir.resolve(fileName(i)));
            } catch (IOException ignored) {
                // Best effort: the run has failed already or the file is gone.
            }
        }
        try {
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            progress.println("mnemo: " + dir + ": cannot remove the benchmark directory: " + PhaseRunner.describe(e));
        }
    }
}
