package io.mnemo.meta.raft;

import static org.awaitility.Awaitility.await;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

class EarlyAnswersTest {
    @Test
    void sync_waitsForTheCommitOfEverythingAnsweredBeforeIt() {
        EarlyAnswers answers = new EarlyAnswers();
        assertTrue(answers.sync().isDone(), "nothing answered yet");
        answers.answered(5);
        answers.answered(6);
        CompletableFuture<Void> sync = answers.sync();
        answers.answered(7);
        answers.committed(5);
        assertFalse(sync.isDone());
        answers.committed(6);
        assertTrue(sync.isDone(), "7 was answered after the sync began");
        assertFalse(answers.sync().isDone());
        answers.committed(7);
        assertTrue(answers.sync().isDone());
    }

    @Test
    void oldestUnsynced_isZeroOnceCommitted_andGrowsWhileNot() throws Exception {
        EarlyAnswers answers = new EarlyAnswers();
        assertEquals(0, answers.oldestUnsyncedNanos());
        answers.committed(9);
        answers.answered(10);
        await().atMost(Duration.ofSeconds(5)).until(() -> answers.oldestUnsyncedNanos() >= 5_000_000);
        answers.committed(10);
        assertEquals(0, answers.oldestUnsyncedNanos());
    }

    @Test
    void close_failsWhatWouldWait_butNotWhatIsSynced() {
        EarlyAnswers answers = new EarlyAnswers();
        answers.answered(1);
        answers.committed(1);
        answers.answered(2);
        CompletableFuture<Void> pending = answers.sync();
        answers.close();
        ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, pending::get);
        assertEquals(Errno.EIO, ((FsException) e.getCause()).errno());
        answers.committed(2);
        assertTrue(answers.sync().isDone());
    }
}
