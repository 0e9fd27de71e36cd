package io.mnemo.tools.bench;

import java.io.PrintStream;
import java.util.concurrent.atomic.AtomicLong;

/** Prints a phase's progress to stderr about once a second, on one line if stderr is a terminal. */
final class Progress {
    private final Thread thread;
    private final boolean terminal = System.console() != null;
    private final PrintStream out;
    private volatile boolean printed;

    /**
     * @param unit what {@code done} counts, plural ("files", "blocks")
     */
    Progress(String name, AtomicLong done, long total, String unit, PrintStream out) {
        this.out = out;
        long start = System.nanoTime();
        this.thread = Thread.ofPlatform().name("bench-progress").daemon().start(() -> {
            try {
                while (true) {
                    Thread.sleep(1000);
                    long n = done.get();
                    double seconds = (System.nanoTime() - start) / 1e9;
                    String line = String.format("%s: %d/%d %s, %.0f/s", name, n, total, unit, n / seconds);
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
