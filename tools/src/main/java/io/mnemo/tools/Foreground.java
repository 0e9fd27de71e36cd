package io.mnemo.tools;

import java.util.concurrent.CountDownLatch;
import sun.misc.Signal;

/**
 * Keeps a command in the foreground until SIGINT or SIGTERM (or {@link #stop()}), so that it
 * can shut down in order and exit 0 instead of dying mid-write.
 */
public final class Foreground {
    private final CountDownLatch stop = new CountDownLatch(1);

    public Foreground() {
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
    }

    public void stop() {
        stop.countDown();
    }

    /** Stops once {@code whenDone} has run to its end (e.g. the mount was unmounted from outside). */
    public void stopAfter(String name, ThrowingRunnable whenDone) {
        Thread.ofPlatform().name(name).daemon().start(() -> {
            try {
                whenDone.run();
            } catch (Exception ignored) {
                // Either way it is over.
            }
            stop();
        });
    }

    public void await() throws InterruptedException {
        stop.await();
    }

    /** A runnable that may throw. */
    @FunctionalInterface
    public interface ThrowingRunnable {
        void run() throws Exception;
    }
}
