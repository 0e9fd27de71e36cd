package io.mnemo.meta.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mnemo.core.model.InodeId;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SessionsTest {
    static final InodeId A = new InodeId(10);
    static final InodeId B = new InodeId(11);
    final AtomicLong nanos = new AtomicLong(1_000);
    final Sessions sessions = new Sessions(Duration.ofSeconds(8), nanos::get);

    void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    @Test
    void opensAreCountedPerSessionAndInode_andTheLastReleaseCloses() {
        assertFalse(sessions.open(1, A));
        assertTrue(sessions.open(1, A), "the second open finds it held");
        assertFalse(sessions.open(2, A), "held by another session is not held by this one");
        assertEquals(2, sessions.openCount(1, A));
        sessions.release(1, A);
        sessions.release(2, A);
        assertTrue(sessions.isOpen(A));
        sessions.release(1, A);
        assertFalse(sessions.isOpen(A));
        sessions.release(1, A); // one too many: ignored
        sessions.release(9, B); // unknown session: ignored
        assertFalse(sessions.isOpen(B));
    }

    @Test
    void sessionZero_recordsNothing() {
        assertFalse(sessions.open(0, A));
        assertFalse(sessions.isOpen(A));
    }

    @Test
    void aSessionThatStopsRenewing_losesItsOpens_whenItsLeaseRunsOut() {
        sessions.open(1, A);
        sessions.open(2, B);
        advance(Duration.ofSeconds(5));
        sessions.renew(2);
        advance(Duration.ofSeconds(4)); // 9 s since session 1 was last heard of, 4 s for session 2
        assertFalse(sessions.isOpen(A));
        assertTrue(sessions.isOpen(B));
        assertEquals(0, sessions.openCount(1, A));
        sessions.renew(1);
        assertFalse(sessions.open(1, A), "a renewed expired session starts without opens");
        advance(Duration.ofSeconds(7));
        sessions.release(2, B); // a release renews too
        advance(Duration.ofSeconds(7));
        assertFalse(sessions.isOpen(B));
        assertFalse(sessions.isOpen(A), "14 s without a word from session 1");
    }

    @Test
    void anExpiredSession_usedAgain_isDroppedBeforeTheSweep() {
        sessions.open(1, A);
        advance(Duration.ofSeconds(8));
        assertEquals(0, sessions.openCount(1, A));
        sessions.release(1, A); // expired: nothing to release, and not revived
        assertFalse(sessions.open(1, A));
        assertEquals(1, sessions.openCount(1, A));
    }
}
