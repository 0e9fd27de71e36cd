package io.mnemo.fuse;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gets libfuse's worker threads permanently attached to the JVM right after mounting.
 *
 * <p>jnr-ffi (its jffi closures) attaches a native thread to the JVM for each callback and
 * detaches it afterwards, until that thread has been attached 1,000 times; from then on it stays
 * attached. Each attach creates a new {@link Thread} and costs tens to hundreds of microseconds,
 * which on a fresh mount made the first tens of thousands of FUSE calls two to three times
 * slower (measured: 500-700 creates/s on a fresh mount against 1,300-2,600/s once warm). So a
 * child process calls statfs(2) on the mount ({@code stat -f}, the mount point named 1,000 times
 * a run), which reaches us every time (the kernel does not cache it), until the calls keep
 * arriving on the same {@link Thread} objects: the workers that served them are past the
 * threshold.
 *
 * <p>A child process, not a thread of ours: a thread of the serving process blocked in a call to
 * its own mount keeps that process from ever exiting if it is killed (the call waits for an
 * answer only the process could give, and the kernel aborts the connection only once the process
 * has exited), which leaves a mount that hangs whoever touches it.
 */
final class AttachWarmup implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AttachWarmup.class);
    /**
     * statfs(2) calls per child process, one after another: one caller, because libfuse 2 starts a
     * worker whenever none is idle and ends one when more than ten are, so under concurrent calls
     * its workers come and go all the time (measured: 250 threads in 6 s with six callers), each
     * new one unwarmed. One caller keeps two or three.
     */
    private static final int CALLS_PER_PROCESS = 1_000;
    /** Calls per window; a window whose calls came on almost no new threads ends the warm-up. */
    private static final int WINDOW = 1_000;
    private static final int WARM_NEW_THREADS = 10;
    private static final int MAX_CALLS = 150_000;
    private static final long MAX_MILLIS = 8_000;
    private static final long JOIN_MILLIS = 2_000;

    private final AtomicBoolean running = new AtomicBoolean();
    private final Set<Thread> seen = ConcurrentHashMap.newKeySet();
    private final AtomicInteger calls = new AtomicInteger();
    private final AtomicInteger newInWindow = new AtomicInteger();
    private Thread caller;
    private volatile Process child;

    /** Called by the statfs callback: notes the thread a call arrived on, while warming up. */
    void sawCall() {
        if (!running.get()) {
            return;
        }
        if (seen.add(Thread.currentThread())) {
            newInWindow.incrementAndGet();
        }
        int n = calls.incrementAndGet();
        if (n % WINDOW == 0 && newInWindow.getAndSet(0) <= WARM_NEW_THREADS) {
            finish("FUSE workers warm after {} calls", n);
        }
    }

    /** Starts warming up the workers of the file system mounted at {@code mountPoint}, in the background. */
    synchronized void start(Path mountPoint) {
        List<String> command = new ArrayList<>(List.of("stat", "-f", "-c", "%b"));
        command.addAll(Collections.nCopies(CALLS_PER_PROCESS, mountPoint.toString()));
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(MAX_MILLIS);
        running.set(true);
        caller = Thread.ofPlatform().name("fuse-warmup").daemon().start(() -> {
            try {
                while (running.get()) {
                    if (calls.get() >= MAX_CALLS || System.nanoTime() > deadline) {
                        finish("FUSE warm-up ended unfinished after {} calls", calls.get());
                        break;
                    }
                    child = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                            .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                    child.waitFor();
                }
            } catch (IOException e) {
                finish("FUSE warm-up stopped after {} calls: " + e.getMessage(), calls.get());
            } catch (InterruptedException e) {
                finish("FUSE warm-up interrupted after {} calls", calls.get());
            }
        });
    }

    private void finish(String message, int callsMade) {
        if (running.getAndSet(false)) {
            seen.clear();
            LOG.debug(message, callsMade);
        }
    }

    /** Stops the warm-up and waits (briefly) for its caller: before unmounting, so that none holds the mount. */
    @Override
    public synchronized void close() {
        running.set(false);
        Process last = child;
        if (last != null) {
            last.destroy();
        }
        if (caller != null) {
            try {
                caller.join(JOIN_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        seen.clear();
    }
}
