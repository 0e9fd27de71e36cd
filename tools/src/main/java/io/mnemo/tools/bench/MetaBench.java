package io.mnemo.tools.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * The metadata benchmark: in a fresh directory under the target, creates N empty files, stats
 * them (cold, when the kernel's caches can be dropped), then unlinks them, each phase spread over
 * T threads that each take every T-th file, and times every operation. The directory is removed
 * at the end; a phase that fails stops the run with the file and the error.
 */
public final class MetaBench {
    /** Latencies up to a minute, at three significant digits. */
    private static final long MAX_LATENCY_NANOS = TimeUnit.MINUTES.toNanos(1);
    private static final Path DROP_CACHES = Path.of("/proc/sys/vm/drop_caches");

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
        AtomicLong done = new AtomicLong();
        List<Histogram> histograms = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads, Thread.ofPlatform().name("bench-", 0).factory());
        Progress ticker = new Progress(name, done, files, progress);
        long start = System.nanoTime();
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Histogram h = new Histogram(MAX_LATENCY_NANOS, 3);
                histograms.add(h);
                int first = t;
                workers.add(pool.submit(() -> {
                    for (int i = first; i < files; i += threads) {
                        Path file = dir.resolve(fileName(i));
                        long t0 = System.nanoTime();
                        try {
                            op.apply(file);
                        } catch (IOException e) {
                            throw new UncheckedIOException(name + " " + file + ": " + describe(e), e);
                        }
                        h.recordValue(Math.min(System.nanoTime() - t0, MAX_LATENCY_NANOS));
                        done.incrementAndGet();
                    }
                    return null;
                }));
            }
            for (Future<?> w : workers) {
                try {
                    w.get();
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    throw cause instanceof UncheckedIOException u ? new IOException(u.getMessage(), u.getCause())
                            : new IOException(name + " failed: " + cause, cause);
                }
            }
        } finally {
            pool.shutdownNow();
            ticker.finish();
        }
        long elapsed = System.nanoTime() - start;
        Histogram all = new Histogram(MAX_LATENCY_NANOS, 3);
        histograms.forEach(all::add);
        return new PhaseResult(name, files, elapsed, all);
    }

    static String fileName(int i) {
        return String.format("f-%08d", i);
    }

    /**
     * Drops the kernel's dentry and inode caches (so that the stats ask the file system) if this
     * process may; says which way the stats will run.
     */
    static String dropKernelCaches() {
        try {
            Files.writeString(DROP_CACHES, "2\n", StandardCharsets.US_ASCII);
            return "cold (dropped the kernel's dentry and inode caches)";
        } catch (IOException | SecurityException e) {
            return "warm (cannot drop the kernel's caches: " + describe(e) + "; run as root for cold stats)";
        }
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
            progress.println("mnemo: " + dir + ": cannot remove the benchmark directory: " + describe(e));
        }
    }

    static String describe(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
    }

    /** Prints a phase's progress to stderr about once a second, on one line if stderr is a terminal. */
    private static final class Progress {
        private final Thread thread;
        private final boolean terminal = System.console() != null;
        private final PrintStream out;
        private volatile boolean printed;

        Progress(String name, AtomicLong done, long total, PrintStream out) {
            this.out = out;
            long start = System.nanoTime();
            this.thread = Thread.ofPlatform().name("bench-progress").daemon().start(() -> {
                try {
                    while (true) {
                        Thread.sleep(1000);
                        long n = done.get();
                        double seconds = (System.nanoTime() - start) / 1e9;
                        String line = String.format("%s: %d/%d files, %.0f/s", name, n, total, n / seconds);
                        out.print(terminal ? "\r" + line : line + System.lineSeparator());
                        out.flush();
                        printed = true;
                    }
                } catch (InterruptedException stopped) {
                    // The phase is over.
                }
            });
        }

        void finish() throws InterruptedException {
            thread.interrupt();
            thread.join();
            if (printed && terminal) {
                out.println();
            }
        }
    }
}
