package io.mnemo.tools.bench;

import java.io.PrintStream;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** Prints a phase's progress to stderr about once a second, on one line if stderr is a terminal. */
final class Progress {
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("bench-progress").daemon().factory());
    private final boolean terminal = System.console() != null;
    private final PrintStream out;
    private volatile boolean printed;

    /**
     * @param unit what {@code done} counts, plural ("files", "blocks")
     */
    Progress(String name, AtomicLong done, long total, String unit, PrintStream out) {
        this.out = out;
        long start = System.nanoTime();
        ticker.scheduleAtFixedRate(() -> {
            long n = done.get();
            double seconds = (System.nanoTime() - start) / 1e9;
            String line = String.format("%s: %d/%d %s, %.0f/s", name, n, total, unit, n / seconds);
            out.print(terminal ? "\r" + line : line + System.lineSeparator());
            out.flush();
            printed = true;
        }, 1, 1, TimeUnit.SECONDS);
    }

    void finish() throws InterruptedException {
        ticker.shutdownNow();
        ticker.awaitTermination(1, TimeUnit.SECONDS);
        if (printed && terminal) {
            out.println();
        }
    }
}
