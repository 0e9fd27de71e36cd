package io.mnemo.meta.raft;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.proto.MetaCommand;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.meta.ops.OpRunner;
import io.mnemo.meta.store.Applied;
import io.mnemo.meta.store.MetaStore;
import io.mnemo.meta.store.Schema;
import io.mnemo.meta.store.Txn;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log of a group with one replica, the only kind that runs so far: RocksDB's own
 * write-ahead log instead of a Raft log. A command is applied on the proposer's thread, as one
 * batch written to the store and its log, and answered at once; a background thread syncs the
 * log {@code logFlushDelay} after the first command it does not hold yet (an idle log costs no
 * wake-ups), and {@link #sync()} syncs it on demand. This keeps
 * DESIGN.md's R=1 durability rule (a power cut loses at most the last few milliseconds of what
 * nobody synced; a crash of the process alone loses nothing, the log being written before each
 * answer) without Ratis's four threads per command.
 *
 * <p>Measured on the 2-core machine of BENCHMARKS.md, one {@code mnemo bench meta} thread: Ratis
 * spent 37% of the process's CPU during creates (its log worker fsyncs once per command when
 * commands come one at a time), and applying commands directly raised creates from about 2,200/s
 * to 3,300/s and unlinks from 3,600/s to 5,700/s. {@link MetaRaft} remains the log for groups of
 * several replicas.
 *
 * <p>Opening a store that a {@link MetaRaft} ran over first replays that log (see
 * {@code MetaServer}); {@link #start} clears the applied index, so that a later Raft log, which
 * starts again from index 1, replays in full.
 */
public final class LocalLog implements Proposer {
    private static final Logger LOG = LoggerFactory.getLogger(LocalLog.class);

    private final MetaStore store;
    private final OpRunner ops;
    private final boolean syncEach;
    private final ReentrantLock applyLock = new ReentrantLock();
    /** Commands written to the log, in order. */
    private final AtomicLong written = new AtomicLong();
    /** Of those, how many are synced. */
    private volatile long synced;
    private final Object syncLock = new Object();
    @GuardedBy("applyLock")
    private boolean closed;
    private final ScheduledExecutorService syncer;
    private final long flushDelayMillis;
    /** A background sync is scheduled and has not started yet: it will cover every command written so far. */
    private final AtomicBoolean syncDue = new AtomicBoolean();

    private LocalLog(MetaStore store, OpRunner ops, Duration logFlushDelay) {
        this.store = store;
        this.ops = ops;
        this.syncEach = logFlushDelay.isZero();
        this.flushDelayMillis = Math.max(1, logFlushDelay.toMillis());
        this.syncer = syncEach ? null : Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("meta-log-sync").daemon().factory());
    }

    /**
     * A log over {@code store}, which must be {@link MetaStore#openLogged logged}.
     *
     * @param logFlushDelay how long an answered command may wait for the log's sync; zero answers each
     *     only once it is synced
     */
    public static LocalLog start(MetaStore store, OpRunner ops, Duration logFlushDelay) {
        LocalLog log = new LocalLog(store, ops, logFlushDelay);
        Txn txn = store.begin();
        txn.put(Schema.APPLIED, Applied.NONE);
        store.commit(txn);
        return log;
    }

    @Override
    public CompletableFuture<MetaResponse> propose(MetaCommand command) {
        MetaResponse response;
        applyLock.lock();
        try {
            if (closed) {
                return CompletableFuture.failedFuture(new FsException(Errno.EIO, "the metadata log is closed"));
            }
            Txn txn = store.begin();
            response = ops.apply(txn, command);
            if (!txn.isEmpty()) {
                store.commit(txn);
                written.incrementAndGet();
                scheduleSync();
            }
        } catch (RuntimeException e) {
            // Nothing was committed: the batch is written whole or not at all.
            LOG.error("metadata command {} failed", command.getOpCase(), e);
            return CompletableFuture.failedFuture(new FsException(Errno.EIO, "metadata command failed: " + e.getMessage(), e));
        } finally {
            applyLock.unlock();
        }
        if (syncEach) {
            try {
                syncUpTo(written.get());
            } catch (FsException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        return CompletableFuture.completedFuture(response);
    }

    @Override
    public CompletableFuture<Void> sync() {
        try {
            syncUpTo(written.get());
            return CompletableFuture.completedFuture(null);
        } catch (FsException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public boolean hasUnsynced() {
        return synced < written.get();
    }

    /** Syncs the log unless a sync since command {@code target} was written covers it; concurrent callers share one. */
    private void syncUpTo(long target) throws FsException {
        if (synced >= target) {
            return;
        }
        synchronized (syncLock) {
            if (synced >= target) {
                return;
            }
            long upTo = written.get();
            try {
                store.syncLog();
            } catch (UncheckedIOException e) {
                throw new FsException(Errno.EIO, e.getCause().getMessage(), e);
            }
            synced = upTo;
        }
    }

    /** Schedules the background sync of what was just written, unless one is due already. */
    private void scheduleSync() {
        if (syncer == null || !syncDue.compareAndSet(false, true)) {
            return;
        }
        try {
            syncer.schedule(this::backgroundSync, flushDelayMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            // close() syncs what is left.
        }
    }

    private void backgroundSync() {
        syncDue.set(false); // a command written from now on schedules the next sync
        try {
            syncUpTo(written.get());
        } catch (FsException e) {
            LOG.warn("syncing the metadata log failed; retrying: {}", e.getMessage());
            scheduleSync();
        }
    }

    /** Stops taking commands and syncs what was answered; the store stays open (its owner closes it). */
    @Override
    public void close() {
        applyLock.lock();
        try {
            closed = true;
        } finally {
            applyLock.unlock();
        }
        if (syncer != null) {
            syncer.shutdownNow();
        }
        try {
            syncUpTo(written.get());
        } catch (FsException e) {
            LOG.warn("closing the metadata log with commands unsynced: {}", e.getMessage());
        }
    }
}
