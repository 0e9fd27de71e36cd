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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
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
    void answersEarly_andSyncCompletesOnceTheAnsweredEntriesAreInTheLog() throws Exception {
        Path copy = dir.resolve("raft-copy");
        try (MetaStore store = openStore(); MetaRaft raft = MetaRaft.start(store, settings())) {
            ok(raft, mkdir(0, "", 1));
            for (int i = 0; i < 50; i++) {
                ok(raft, mkdir(1, "d" + i, 2 + i));
            }
            raft.sync().get(10, TimeUnit.SECONDS);
            assertTrue(raft.sync().isDone(), "nothing answered since: nothing to wait for");
            copyTree(dir.resolve("raft"), copy); // the log as it is now, while the peer runs
        }
        // A fresh store over the copied log replays every answered command.
        try (MetaStore store = MetaStore.open(dir.resolve("db-from-copy"));
                MetaRaft raft = MetaRaft.start(store, new RaftSettings(copy, "127.0.0.1", 0, 1_000_000,
                        Duration.ofSeconds(30)))) {
            for (int i = 0; i < 50; i++) {
                assertEquals(2 + i, entry(store, "d" + i).orElseThrow().child().value());
            }
        }
    }

    @Test
    void aCommandPastTheLogEntryLimit_isRefusedBeforeAnythingIsApplied() throws Exception {
        try (MetaStore store = openStore(); MetaRaft raft = MetaRaft.start(store, settings())) {
            ok(raft, mkdir(0, "", 1));
            MetaCommand huge = MetaCommand.newBuilder().setNowNs(7).setNewInode(2)
                    .setCreate(CreateReq.newBuilder().setParent(1).setName(ByteString.copyFromUtf8("huge"))
                            .setType(FileType.SYMLINK.ordinal()).setMode(0777).setSymlinkTarget("x".repeat(5 << 20)))
                    .build();
            ExecutionException e = assertThrows(ExecutionException.class, () -> raft.propose(huge).get());
            assertEquals(Errno.EFBIG, ((FsException) e.getCause()).errno());
            assertTrue(entry(store, "huge").isEmpty());
            ok(raft, mkdir(1, "after", 3));
        }
    }

    @Test
    void zeroFlushDelay_answersAtCommit_andSyncHasNothingToWaitFor() throws Exception {
        RaftSettings synced = new RaftSettings(dir.resolve("raft"), "127.0.0.1", 0, 1_000_000, Duration.ofSeconds(30),
                Duration.ZERO);
        try (MetaStore store = openStore(); MetaRaft raft = MetaRaft.start(store, synced)) {
            ok(raft, mkdir(0, "", 1));
            ok(raft, mkdir(1, "a", 2));
            assertTrue(raft.sync().isDone());
            assertEquals(raft.appliedIndex(), store.get(Schema.APPLIED).orElseThrow().index());
        }
    }

    /**
     * A crash can take the log's unsynced tail while the store, flushed by RocksDB on its own, keeps
     * it: the log then grows again in a new term over indexes the store has seen, and those new
     * entries must be applied, not mistaken for the old ones.
     */
    @Test
    void storeAheadOfTheLog_afterTheLogLostItsTail_appliesTheNewTermsEntries() throws Exception {
        Path current = dir.resolve("raft").resolve(MetaRaft.GROUP_ID.getUuid().toString()).resolve("current");
        Path saved = dir.resolve("saved-log");
        try (MetaStore store = openStore(); MetaRaft raft = MetaRaft.start(store, settings())) {
            ok(raft, mkdir(0, "", 1));
            ok(raft, mkdir(1, "a", 2));
        }
        copyLogSegments(current, saved);
        try (MetaStore store = openStore(); MetaRaft raft = MetaRaft.start(store, settings())) {
            for (int i = 0; i < 10; i++) {
                ok(raft, mkdir(1, "lost-from-the-log-" + i, 10 + i));
            }
            raft.close();
            store.flush(); // the store keeps what the log is about to lose
        }
        deleteLogSegments(current);
        copyLogSegments(saved, current); // the log as a power cut might leave it; the term file stays
        // Applying at commit, as with a zero flush delay, is where an entry could be taken for one held.
        RaftSettings atCommit = new RaftSettings(dir.resolve("raft"), "127.0.0.1", 0, 1_000_000,
                Duration.ofSeconds(30), Duration.ZERO);
        try (MetaStore store = openStore(); MetaRaft raft = MetaRaft.start(store, atCommit)) {
            ok(raft, mkdir(1, "after", 30));
            ok(raft, rename("a", "b"));
            assertEquals(30, entry(store, "after").orElseThrow().child().value());
            assertEquals(2, entry(store, "b").orElseThrow().child().value());
            assertEquals(19, entry(store, "lost-from-the-log-9").orElseThrow().child().value());
            assertTrue(raft.takeSnapshot() > 0);
        }
        try (MetaStore store = openStore(); MetaRaft raft = MetaRaft.start(store, settings())) {
            assertEquals(30, entry(store, "after").orElseThrow().child().value());
            assertEquals(2, entry(store, "b").orElseThrow().child().value());
            assertTrue(entry(store, "a").isEmpty());
            ok(raft, mkdir(1, "a", 31));
        }
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (Stream<Path> all = Files.walk(from)) {
            for (Path p : all.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else if (!p.getFileName().toString().equals("in_use.lock")) {
                    Files.copy(p, target);
                }
            }
        }
    }

    private static void copyLogSegments(Path from, Path to) throws Exception {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path p : files.filter(f -> f.getFileName().toString().startsWith("log_")).toList()) {
                Files.copy(p, to.resolve(p.getFileName().toString()));
            }
        }
    }

    private static void deleteLogSegments(Path dir) throws Exception {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : files.filter(f -> f.getFileName().toString().startsWith("log_")).toList()) {
                Files.delete(p);
            }
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
