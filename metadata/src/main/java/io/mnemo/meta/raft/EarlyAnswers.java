package io.mnemo.meta.raft;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Commands answered before their log entry was synced: when each was answered, and who waits
 * for them to be. An entry counts as synced once Ratis has committed it, because with one peer
 * and Ratis's safe flush an entry commits only after the log is fsynced up to it.
 *
 * <p>Indexes are those of the current log, in this process: answers are recorded as they are
 * given, in log order, and commits as Ratis reports them, in log order too.
 */
final class EarlyAnswers {
    /** Answer times are kept for this many entries; an older unsynced answer counts as late. */
    private static final int TIMES = 1 << 14;

    private final long[] answeredAtNanos = new long[TIMES];
    /** The index of the last entry answered before it committed; -1: none. */
    private volatile long lastAnswered = -1;
    /** The index of the last committed entry. */
    private volatile long committed = -1;

    private final Object lock = new Object();
    @GuardedBy("lock")
    private final List<Waiter> waiters = new ArrayList<>();
    /** Whether {@link #waiters} may be non-empty: lets {@link #committed} skip the lock, as it mostly can. */
    private volatile boolean waiting;
    @GuardedBy("lock")
    private boolean closed;

    private record Waiter(long index, CompletableFuture<Void> synced) {}

    /** The entry at {@code index} was just applied and answered; called in log order. */
    void answered(long index) {
        answeredAtNanos[(int) (index & (TIMES - 1))] = System.nanoTime();
        lastAnswered = index;
    }

    /** Ratis committed (so synced) every entry up to {@code index}. */
    void committed(long index) {
        committed = index;
        // A sync() that has not set waiting yet reads this commit when it checks again under the lock.
        if (!waiting) {
            return;
        }
        synchronized (lock) {
            for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
                Waiter w = it.next();
                if (w.index() <= index) {
                    w.synced().complete(null);
                    it.remove();
                }
            }
            waiting = !waiters.isEmpty();
        }
    }

    /** Completes once every entry answered so far is synced. */
    CompletableFuture<Void> sync() {
        long target = lastAnswered;
        if (target <= committed) {
            return CompletableFuture.completedFuture(null);
        }
        synchronized (lock) {
            if (closed) {
                return CompletableFuture.failedFuture(new FsException(Errno.EIO, "the metadata log is closed"));
            }
            waiting = true;
            if (target <= committed) { // committed() may have run meanwhile, without seeing waiting
                waiting = !waiters.isEmpty();
                return CompletableFuture.completedFuture(null);
            }
            CompletableFuture<Void> synced = new CompletableFuture<>();
            waiters.add(new Waiter(target, synced));
            return synced;
        }
    }

    /** How long the oldest answered entry that is not synced yet has waited; 0 if there is none. */
    long oldestUnsyncedNanos() {
        long c = committed;
        long a = lastAnswered;
        if (a <= c) {
            return 0;
        }
        if (a - c >= TIMES) {
            return Long.MAX_VALUE;
        }
        // Entry c + 1 may not have been answered early (an election's entry): then its slot is older
        // and this overstates the wait, which costs at most one needless wait for a sync.
        return System.nanoTime() - answeredAtNanos[(int) ((c + 1) & (TIMES - 1))];
    }

    /** Fails the waiters and later syncs that are still unsynced: the log will not get further. */
    void close() {
        synchronized (lock) {
            closed = true;
            for (Waiter w : waiters) {
                w.synced().completeExceptionally(new FsException(Errno.EIO, "the metadata log closed before it synced"));
            }
            waiters.clear();
            waiting = false;
        }
    }
}
