package io.mnemo.meta.session;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.mnemo.core.model.InodeId;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Which client session holds which inode open, with an open count per session and inode. A
 * session lives while it keeps renewing within its lease (an explicit renewal, an open or a
 * release all renew it); once the lease has run out it is gone with all its opens, and a later
 * renewal starts it afresh with none. Session id 0 means "no session" and is never recorded.
 *
 * <p>An expired session is dropped as soon as it is used again, and otherwise by a sweep that
 * runs at most every eighth of a lease, so {@link #isOpen} may still count an expired session
 * for that long: it errs on the side of keeping data.
 */
public final class Sessions {
    private final long leaseNanos;
    private final long sweepEveryNanos;
    private final LongSupplier nanoTime;
    @GuardedBy("this")
    private final Map<Long, Session> sessions = new HashMap<>();
    /** For every inode held open by some session: how many sessions hold it. */
    @GuardedBy("this")
    private final Map<InodeId, Integer> holders = new HashMap<>();
    @GuardedBy("this")
    private long lastSweepNanos;

    private static final class Session {
        long renewedNanos;
        final Map<InodeId, Integer> opens = new HashMap<>();

        Session(long renewedNanos) {
            this.renewedNanos = renewedNanos;
        }
    }

    public Sessions(Duration lease, LongSupplier nanoTime) {
        if (lease.isNegative() || lease.isZero()) {
            throw new IllegalArgumentException("session lease must be positive: " + lease);
        }
        this.leaseNanos = lease.toNanos();
        this.sweepEveryNanos = Math.max(1, leaseNanos / 8);
        this.nanoTime = nanoTime;
        this.lastSweepNanos = nanoTime.getAsLong();
    }

    /** Renews a session's lease, starting the session if it does not exist (any more). */
    public synchronized void renew(long session) {
        if (session != 0) {
            live(session, true);
        }
    }

    /**
     * Records one more open of {@code inode} by {@code session} (and renews the session).
     * Register before looking at the inode: the collector reads orphans first and asks
     * {@link #isOpen} second, so an open registered before its inode is found deleted cannot be
     * missed by a collector that then deletes the chunks.
     *
     * @return whether the session held the inode open already
     */
    public synchronized boolean open(long session, InodeId inode) {
        if (session == 0) {
            return false;
        }
        Session s = live(session, true);
        int before = s.opens.getOrDefault(inode, 0);
        s.opens.put(inode, before + 1);
        if (before == 0) {
            holders.merge(inode, 1, Integer::sum);
        }
        return before > 0;
    }

    /** Records one open fewer (and renews the session); unknown sessions and inodes are ignored. */
    public synchronized void release(long session, InodeId inode) {
        if (session == 0) {
            return;
        }
        Session s = live(session, false);
        if (s == null) {
            return;
        }
        Integer before = s.opens.get(inode);
        if (before == null) {
            return;
        }
        if (before > 1) {
            s.opens.put(inode, before - 1);
        } else {
            s.opens.remove(inode);
            dropHolder(inode);
        }
    }

    /** Whether a live session holds the inode open. */
    public synchronized boolean isOpen(InodeId inode) {
        long now = nanoTime.getAsLong();
        if (now - lastSweepNanos >= sweepEveryNanos) {
            sweep(now);
        }
        return holders.containsKey(inode);
    }

    /** How many opens a session holds on an inode; 0 for unknown or expired sessions. */
    public synchronized int openCount(long session, InodeId inode) {
        Session s = sessions.get(session);
        if (s == null || expired(s, nanoTime.getAsLong())) {
            return 0;
        }
        return s.opens.getOrDefault(inode, 0);
    }

    /** Drops every expired session with its opens. */
    public synchronized void sweep() {
        sweep(nanoTime.getAsLong());
    }

    @GuardedBy("this")
    private void sweep(long now) {
        lastSweepNanos = now;
        for (Iterator<Session> it = sessions.values().iterator(); it.hasNext(); ) {
            Session s = it.next();
            if (expired(s, now)) {
                it.remove();
                s.opens.keySet().forEach(this::dropHolder);
            }
        }
    }

    /** The session, renewed; an expired one is dropped first. Null if absent and not {@code create}. */
    @GuardedBy("this")
    private Session live(long session, boolean create) {
        long now = nanoTime.getAsLong();
        Session s = sessions.get(session);
        if (s != null && expired(s, now)) {
            sessions.remove(session);
            s.opens.keySet().forEach(this::dropHolder);
            s = null;
        }
        if (s == null) {
            if (!create) {
                return null;
            }
            s = new Session(now);
            sessions.put(session, s);
        }
        s.renewedNanos = now;
        return s;
    }

    private boolean expired(Session s, long now) {
        return now - s.renewedNanos >= leaseNanos;
    }

    @GuardedBy("this")
    private void dropHolder(InodeId inode) {
        holders.computeIfPresent(inode, (k, n) -> n > 1 ? n - 1 : null);
    }
}
