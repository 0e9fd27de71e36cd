package io.mnemo.meta.raft;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.FileType;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.model.Name;
import io.mnemo.core.proto.CreateReq;
import io.mnemo.core.proto.MetaCommand;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.meta.ops.OpRunner;
import io.mnemo.meta.store.DentryKey;
import io.mnemo.meta.store.MetaStore;
import io.mnemo.meta.store.Schema;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RocksDB's own log under the commands, over a real store: answers, syncs, replay after an unflushed close. */
class LocalLogTest {
    private static final OpRunner OPS = new OpRunner(OpRunner.DEFAULT_INLINE_THRESHOLD_BYTES);

    @TempDir
    Path dir;

    private static MetaCommand mkdir(long parent, String name, long inode) {
        return MetaCommand.newBuilder().setNowNs(1000 + inode).setNewInode(inode)
                .setCreate(CreateReq.newBuilder().setParent(parent).setName(ByteString.copyFromUtf8(name))
                        .setType(FileType.DIRECTORY.ordinal()).setMode(0755))
                .build();
    }

    private static void ok(LocalLog log, MetaCommand cmd) throws Exception {
        MetaResponse r = log.propose(cmd).get();
        assertEquals(0, r.getErrno(), r.getMessage());
    }

    @Test
    void answers_stayUnsyncedUntilASync_andSurviveAnUnflushedClose() throws Exception {
        try (MetaStore store = MetaStore.openLogged(dir)) {
            LocalLog log = LocalLog.start(store, OPS, Duration.ofHours(1));
            ok(log, mkdir(0, "", 1));
            ok(log, mkdir(1, "d", 2));
            assertEquals(Errno.EEXIST.code(), log.propose(mkdir(1, "d", 3)).get().getErrno());
            assertTrue(log.hasUnsynced(), "no sync within the hour");
            log.sync().get();
            assertFalse(log.hasUnsynced());
            ok(log, mkdir(1, "e", 4));
            log.close(); // syncs; the store closes without a flush
        }
        try (MetaStore store = MetaStore.openLogged(dir)) {
            assertTrue(store.get(Schema.DENTRY, new DentryKey(InodeId.ROOT, Name.of("d"))).isPresent());
            assertTrue(store.get(Schema.DENTRY, new DentryKey(InodeId.ROOT, Name.of("e"))).isPresent());
        }
    }

    @Test
    void aZeroDelay_syncsBeforeEachAnswer_andAClosedLogRefuses() throws Exception {
        try (MetaStore store = MetaStore.openLogged(dir)) {
            LocalLog log = LocalLog.start(store, OPS, Duration.ZERO);
            ok(log, mkdir(0, "", 1));
            assertFalse(log.hasUnsynced());
            log.close();
            ExecutionException e = assertThrows(ExecutionException.class, () -> log.propose(mkdir(1, "late", 2)).get());
            assertEquals(Errno.EIO, ((FsException) e.getCause()).errno());
        }
    }

    @Test
    void eachCommand_isSyncedInTheBackground_withinTheDelay() throws Exception {
        try (MetaStore store = MetaStore.openLogged(dir)) {
            LocalLog log = LocalLog.start(store, OPS, Duration.ofMillis(20));
            assertFalse(log.hasUnsynced());
            ok(log, mkdir(0, "", 1));
            await().atMost(Duration.ofSeconds(10)).until(() -> !log.hasUnsynced());
            // The sync that ran is spent: the next command schedules its own.
            ok(log, mkdir(1, "d", 2));
            await().atMost(Duration.ofSeconds(10)).until(() -> !log.hasUnsynced());
            log.close();
        }
    }
}
