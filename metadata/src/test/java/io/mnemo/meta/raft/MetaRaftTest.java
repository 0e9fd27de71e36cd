package io.mnemo.meta.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import io.mnemo.core.proto.RenameReq;
import io.mnemo.meta.store.Applied;
import io.mnemo.meta.store.Dentry;
import io.mnemo.meta.store.DentryKey;
import io.mnemo.meta.store.MetaStore;
import io.mnemo.meta.store.Schema;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real single-peer Ratis group over a real store: apply, restart, replay, snapshots. */
class MetaRaftTest {
    @TempDir
    Path dir;

    private RaftSettings settings() {
        return new RaftSettings(dir.resolve("raft"), "127.0.0.1", 0, 1_000_000, Duration.ofSeconds(30));
    }

    private MetaStore openStore() throws Exception {
        return MetaStore.open(dir.resolve("db"));
    }

    private static MetaCommand mkdir(long parent, String name, long inode) {
        return MetaCommand.newBuilder().setNowNs(1000 + inode).setNewInode(inode)
                .setCreate(CreateReq.newBuilder().setParent(parent).setName(ByteString.copyFromUtf8(name))
                        .setType(FileType.DIRECTORY.ordinal()).setMode(0755))
                .build();
    }

    private static MetaCommand rename(String from, String to) {
        return MetaCommand.newBuilder().setNowNs(5000).setRename(RenameReq.newBuilder()
                .setSrcParent(1).setSrcName(ByteString.copyFromUtf8(from))
                .setDstParent(1).setDstName(ByteString.copyFromUtf8(to))).build();
    }

    private static MetaResponse ok(MetaRaft raft, MetaCommand cmd) throws Exception {
        MetaResponse r = raft.propose(cmd).get();
        assertEquals(0, r.getErrno(), r.getMessage());
        return r;
    }

    private static Optional<Dentry> entry(MetaStore store, String name) throws FsException {
        return store.get(Schema.DENTRY, new DentryKey(InodeId.ROOT, Name.of(name)));
    }

    @Test
    void propose_appliesCommands_andAnswersPosixErrorsAsReplies() throws Exception {
        try (MetaStore store = openStore(); MetaRaft raft = MetaRaft.start(store, settings())) {
            ok(raft, mkdir(0, "", 1));
            ok(raft, mkdir(1, "d", 2));
            MetaResponse again = raft.propose(mkdir(1, "d", 3)).get();
            assertEquals(Errno.EEXIST.code(), again.getErrno());
            assertEquals(2, entry(store, "d").orElseThrow().child().value());
            long applied = raft.appliedIndex();
            assertEquals(applied, store.get(Schema.APPLIED).orElseThrow().index());
        }
    }

    @Test
    void restart_afterCleanClose_skipsEntriesTheStoreHolds() throws Exception {
        long applied;
        try (MetaStore store = openStore(); MetaRaft raft = MetaRaft.start(store, settings())) {
            ok(raft, mkdir(0, "", 1));
            ok(raft, mkdir(1, "a", 2));
            ok(raft, rename("a", "b"));
            ok(raft, mkdir(1, "a", 3));
            applied = raft.appliedIndex();
            raft.close();
            store.flush();
        }
        // Re-applying the log on top of this state would rename the new "a" over "b".
        try (MetaStore store = openStore(); MetaRaft raft = MetaRaft.start(store, settings())) {
            assertEquals(2, entry(store, "b").orElseThrow().child().value());
            assertEquals(3, entry(store, "a").orElseThrow().child().value());
            assertTrue(raft.appliedIndex() > applied, "a new term's first entry was applied");
        }
    }

    @Test
    void restart_withoutFlush_replaysTheLogIntoTheStore() throws Exception {
        long applied;
        try (MetaStore store = openStore(); MetaRaft raft = MetaRaft.start(store, settings())) {
            ok(raft, mkdir(0, "", 1));
            ok(raft, mkdir(1, "a", 2));
            ok(raft, rename("a", "b"));
            ok(raft, mkdir(1, "a", 3));
            applied = raft.appliedIndex();
            raft.close();
            // the store closes without a flush: what a crash leaves
        }
        try (MetaStore store = openStore()) {
            assertTrue(entry(store, "b").isEmpty(), "the unflushed batches are gone from RocksDB");
            assertTrue(store.get(Schema.APPLIED).orElse(Applied.NONE).index() < applied);
        }
        try (MetaStore store = openStore(); MetaRaft raft = MetaRaft.start(store, settings())) {
            assertEquals(2, entry(store, "b").orElseThrow().child().value());
            assertEquals(3, entry(store, "a").orElseThrow().child().value());
            assertTrue(store.get(Schema.APPLIED).orElseThrow().index() > applied);
        }
    }

    @Test
    void snapshot_isACheckpointAtTheAppliedIndex_keepsOnlyTheNewest_andReplayStartsAfterIt() throws Exception {
        Path smDir;
        try (MetaStore store = openStore(); MetaRaft raft = MetaRaft.start(store, settings())) {
            ok(raft, mkdir(0, "", 1));
            ok(raft, mkdir(1, "a", 2));
            long first = raft.takeSnapshot();
            assertEquals(raft.appliedIndex(), first);
            assertEquals(first, raft.snapshotIndex());
            ok(raft, mkdir(1, "c", 4));
            long second = raft.takeSnapshot();
            assertTrue(second > first);
            List<Path> checkpoints;
            try (Stream<Path> s = Files.walk(dir.resolve("raft"))) {
                checkpoints = s.filter(p -> p.getFileName().toString().startsWith("checkpoint-")).toList();
            }
            assertEquals(1, checkpoints.size(), checkpoints.toString());
            smDir = checkpoints.get(0);
            assertTrue(smDir.getFileName().toString().endsWith("_" + second), smDir.toString());
            try (MetaStore copy = MetaStore.open(smDir)) {
                assertEquals(second, copy.get(Schema.APPLIED).orElseThrow().index());
                assertTrue(copy.get(Schema.DENTRY, new DentryKey(InodeId.ROOT, Name.of("c"))).isPresent());
            }
            ok(raft, rename("a", "b"));
            ok(raft, mkdir(1, "a", 3));
            raft.close();
        }
        try (MetaStore store = openStore(); MetaRaft raft = MetaRaft.start(store, settings())) {
            assertEquals(2, entry(store, "b").orElseThrow().child().value());
            assertEquals(3, entry(store, "a").orElseThrow().child().value());
            assertEquals(4, entry(store, "c").orElseThrow().child().value());
        }
    }

    @Test
    void start_refusesAStoreOlderThanTheSnapshot() throws Exception {
        try (MetaStore store = openStore(); MetaRaft raft = MetaRaft.start(store, settings())) {
            ok(raft, mkdir(0, "", 1));
            ok(raft, mkdir(1, "a", 2));
            raft.takeSnapshot();
        }
        try (MetaStore empty = MetaStore.open(dir.resolve("other-db"))) {
            Exception e = assertThrows(Exception.class, () -> MetaRaft.start(empty, settings()).close());
            assertTrue(causes(e).contains("older than the snapshot"), causes(e));
        }
    }

    private static String causes(Throwable e) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            all.append(t).append('\n');
        }
        return all.toString();
    }
}
