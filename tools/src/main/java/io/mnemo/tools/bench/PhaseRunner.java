package io.mnemo.tools.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;

/**
 * Runs one timed phase: operations 0 to N-1 spread over T threads, each taking every T-th, each
 * operation timed; the phase's time runs from starting the threads to the last one's end. The
 * first failure stops the phase with what failed and why.
 */
final class PhaseRunner {
    /** Latencies up to a minute, at three significant digits. */
    static final long MAX_LATENCY_NANOS = TimeUnit.MINUTES.toNanos(1);

    private PhaseRunner() {}

    /** One operation of a phase; each thread has its own, so it may keep buffers. */
    @FunctionalInterface
    interface Op {
        void apply(int index) throws IOException;
    }

    /**
     * @param unit what an operation is, plural, for the progress line ("files", "blocks")
     * @param subject what operation {@code index} works on, for the error message (a path)
     * @param perThread makes each thread's operation
     * @param progress where the phase reports how far it is (stderr)
     */
    static PhaseResult run(String name, int operations, int threads, String unit, IntFunction<Object> subject,
            Supplier<Op> perThread, PrintStream progress) throws IOException, InterruptedException {
        AtomicLong done = new AtomicLong();
        List<Histogram> histograms = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads, Thread.ofPlatform().name("bench-", 0).factory());
        Progress ticker = new Progress(name, done, operations, unit, progress);
        long start = System.nanoTime();
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Histogram h = new Histogram(MAX_LATENCY_NANOS, 3);
                histograms.add(h);
                int first = t;
                workers.add(pool.submit(() -> {
                    Op op = perThread.get();
                    for (int i = first; i < operations; i += threads) {
                        long t0 = System.nanoTime();
                        try {
                            op.apply(i);
                        } catch (IOException e) {
                            throw new UncheckedIOException(name + " " + subject.apply(i) + ": " + describe(e), e);
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
        return new PhaseResult(name, operations, elapsed, all);
    }

    /** An exception as one line: its type and message. */
    static String describe(Throwable e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
    }
}
