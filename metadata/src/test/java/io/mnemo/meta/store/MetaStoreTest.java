package io.mnemo.meta.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.mnemo.core.model.FileType;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.model.Layout;
import io.mnemo.core.model.Name;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetaStoreTest {
    @TempDir
    Path dir;

    private static DentryKey key(long parent, String name) throws Exception {
        return new DentryKey(new InodeId(parent), Name.of(name));
    }

    private static Dentry child(long id) {
        return new Dentry(new InodeId(id), FileType.REGULAR);
    }

    private static List<String> names(List<Row<DentryKey, Dentry>> rows) {
        return rows.stream().map(r -> r.key().name().toString()).toList();
    }

    @Test
    void commit_writesEveryFamily_atOnce() throws Exception {
        try (MetaStore store = MetaStore.open(dir)) {
            Txn txn = store.begin();
            txn.put(Schema.DENTRY, key(1, "a"), child(2));
            txn.put(Schema.NEXT_INODE, 3L);
            txn.put(Schema.APPLIED, new Applied(1, 5));
            assertTrue(store.get(Schema.DENTRY, key(1, "a")).isEmpty(), "nothing is visible before commit");
            store.commit(txn);
            assertEquals(child(2), store.get(Schema.DENTRY, key(1, "a")).orElseThrow());
            assertEquals(3L, store.get(Schema.NEXT_INODE).orElseThrow());
            assertEquals(new Applied(1, 5), store.get(Schema.APPLIED).orElseThrow());
        }
    }

    @Test
    void getOfTwoTables_readsBothValuesOfAKey_fromTheStoreAndFromATxn() throws Exception {
        try (MetaStore store = MetaStore.open(dir)) {
            InodeId id = new InodeId(7);
            Txn txn = store.begin();
            txn.put(Schema.NEXT_INODE, 1L); // another family, to see that only the two asked for are read
            txn.put(Schema.ORPHAN, id, new Layout(1 << 16, 1, List.of(1)));
            store.commit(txn);
            Both<Layout, ByteString> both = store.get(Schema.ORPHAN, Schema.INLINE, id);
            assertTrue(both.first().isPresent());
            assertTrue(both.second().isEmpty());

            Txn next = store.begin();
            next.put(Schema.INLINE, id, ByteString.copyFrom(new byte[] {1, 2}));
            assertEquals(ByteString.copyFrom(new byte[] {1, 2}), next.get(Schema.ORPHAN, Schema.INLINE, id).second().orElseThrow());
            assertTrue(store.get(Schema.ORPHAN, Schema.INLINE, id).second().isEmpty(), "not committed yet");
            store.commit(next);
            assertEquals(ByteString.copyFrom(new byte[] {1, 2}), store.get(Schema.ORPHAN, Schema.INLINE, id).second().orElseThrow());
            assertTrue(store.get(Schema.ORPHAN, Schema.INLINE, new InodeId(8)).first().isEmpty());
        }
    }

    /** A reader racing a writer that changes two families in one batch never sees half of a batch. */
    @Test
    void getOfTwoTables_seesEachBatchWholeOrNotAtAll() throws Exception {
        try (MetaStore store = MetaStore.open(dir)) {
            InodeId id = new InodeId(7);
            AtomicBoolean done = new AtomicBoolean();
            AtomicReference<String> torn = new AtomicReference<>();
            Thread reader = new Thread(() -> {
                while (!done.get() && torn.get() == null) {
                    Both<Long, ByteString> both = store.get(U64S, Schema.INLINE, id);
                    long expected = both.first().orElse(0L);
                    int got = both.second().map(ByteString::size).orElse(0);
                    if (expected != got) {
                        torn.set("size " + expected + " with " + got + " bytes");
                    }
                }
            });
            reader.start();
            try {
                for (int i = 1; i <= 3000; i++) {
                    Txn txn = store.begin();
                    txn.put(U64S, id, (long) i);
                    txn.put(Schema.INLINE, id, ByteString.copyFrom(new byte[i]));
                    store.commit(txn);
                    if (i % 1000 == 0) {
                        store.flush(); // new table files mid-race too
                    }
                }
            } finally {
                done.set(true); // a reader of a closed store would crash the JVM
                reader.join();
            }
            assertNull(torn.get());
        }
    }

    /** A u64-valued table in the inode family, for the race above. */
    private static final Table<InodeId, Long> U64S = new Table<>(Schema.INODE.family(), Keys.INODE, Keys.U64_VALUE);

    @Test
    void cells_readAfterACommit_areTheCommittedValues_alsoOnceReadBefore_andAfterAReopen() throws Exception {
        try (MetaStore store = MetaStore.open(dir)) {
            assertTrue(store.get(Schema.CHAIN_VERSION).isEmpty());
            for (long v = 1; v <= 3; v++) {
                Txn txn = store.begin();
                txn.put(Schema.CHAIN_VERSION, v);
                assertEquals(v - 1, store.get(Schema.CHAIN_VERSION).orElse(0L), "not committed yet");
                store.commit(txn);
                assertEquals(v, store.get(Schema.CHAIN_VERSION).orElseThrow());
                assertEquals(v, store.begin().get(Schema.CHAIN_VERSION).orElseThrow());
            }
            store.flush(); // this store has no log of its own
        }
        try (MetaStore store = MetaStore.open(dir)) {
            assertEquals(3L, store.get(Schema.CHAIN_VERSION).orElseThrow());
        }
    }

    @Test
    void txn_readsItsOwnWrites_andScansMergeThem() throws Exception {
        try (MetaStore store = MetaStore.open(dir)) {
            Txn setup = store.begin();
            for (String n : List.of("a", "b", "c", "d")) {
                setup.put(Schema.DENTRY, key(1, n), child(2));
            }
            store.commit(setup);

            Txn txn = store.begin();
            txn.delete(Schema.DENTRY, key(1, "b"));
            txn.delete(Schema.DENTRY, key(1, "c"));
            txn.put(Schema.DENTRY, key(1, "bb"), child(3));
            assertTrue(txn.get(Schema.DENTRY, key(1, "b")).isEmpty());
            assertEquals(child(3), txn.get(Schema.DENTRY, key(1, "bb")).orElseThrow());
            byte[] from = Keys.dentryStart(new InodeId(1));
            byte[] to = Keys.dentryEnd(new InodeId(1));
            assertEquals(List.of("a", "bb", "d"), names(txn.scan(Schema.DENTRY, from, to, 10)));
            assertEquals(List.of("a", "bb"), names(txn.scan(Schema.DENTRY, from, to, 2)));
            assertEquals(List.of("a", "b", "c", "d"), names(store.scan(Schema.DENTRY, from, to, 10)));
            txn.clear();
            assertTrue(txn.isEmpty());
            assertEquals(List.of("a", "b", "c", "d"), names(txn.scan(Schema.DENTRY, from, to, 10)));
        }
    }

    @Test
    void scan_staysInsideItsBounds() throws Exception {
        try (MetaStore store = MetaStore.open(dir)) {
            Txn txn = store.begin();
            txn.put(Schema.DENTRY, key(1, "x"), child(5));
            txn.put(Schema.DENTRY, key(2, "a"), child(6));
            txn.put(Schema.DENTRY, key(2, "b"), child(7));
            txn.put(Schema.DENTRY, key(3, "a"), child(8));
            store.commit(txn);
            InodeId two = new InodeId(2);
            assertEquals(List.of("a", "b"), names(store.scan(Schema.DENTRY, Keys.dentryStart(two), Keys.dentryEnd(two),
                    100)));
            assertEquals(List.of(), store.scan(Schema.DENTRY, Keys.dentryStart(two), Keys.dentryEnd(two), 0));
        }
    }

    @Test
    void reopen_afterFlush_keepsEverything() throws Exception {
        try (MetaStore store = MetaStore.open(dir)) {
            Txn txn = store.begin();
            txn.put(Schema.DENTRY, key(1, "kept"), child(2));
            store.commit(txn);
            store.flush();
        }
        try (MetaStore store = MetaStore.open(dir)) {
            assertTrue(store.get(Schema.DENTRY, key(1, "kept")).isPresent());
        }
    }

    @Test
    void reopen_withoutFlush_losesTheMemtable_becauseTheRaftLogIsTheWal() throws Exception {
        try (MetaStore store = MetaStore.open(dir)) {
            Txn flushed = store.begin();
            flushed.put(Schema.APPLIED, new Applied(1, 1));
            store.commit(flushed);
            store.flush();
            Txn lost = store.begin();
            lost.put(Schema.DENTRY, key(1, "lost"), child(2));
            lost.put(Schema.APPLIED, new Applied(1, 2));
            store.commit(lost);
        }
        try (MetaStore store = MetaStore.open(dir)) {
            assertFalse(store.get(Schema.DENTRY, key(1, "lost")).isPresent());
            assertEquals(new Applied(1, 1), store.get(Schema.APPLIED).orElseThrow());
        }
    }

    @Test
    void checkpoint_isAnOpenableCopy() throws Exception {
        Path copyDir = dir.resolve("copy");
        try (MetaStore store = MetaStore.open(dir.resolve("db"))) {
            Txn txn = store.begin();
            txn.put(Schema.DENTRY, key(1, "x"), child(2));
            store.commit(txn);
            store.flush();
            store.checkpoint(copyDir);
            Txn later = store.begin();
            later.put(Schema.DENTRY, key(1, "y"), child(3));
            store.commit(later);
        }
        try (MetaStore copy = MetaStore.open(copyDir)) {
            assertTrue(copy.get(Schema.DENTRY, key(1, "x")).isPresent());
            assertFalse(copy.get(Schema.DENTRY, key(1, "y")).isPresent());
        }
    }

    @Test
    void reopenLogged_afterItsLogFilesWereReused_replaysTheLatestCommitsOnly() throws Exception {
        ByteString padding = ByteString.copyFrom(new byte[64 * 1024]);
        try (MetaStore store = MetaStore.openLogged(dir)) {
            // Each flush retires a log file; later ones are written over the retired ones, whose
            // longer old contents stay behind the new records.
            for (int round = 0; round < 4; round++) {
                for (int i = 0; i < 20; i++) {
                    Txn txn = store.begin();
                    txn.put(Schema.DENTRY, key(1, "x"), child(100 * round + i + 1));
                    txn.put(Schema.INLINE, new InodeId(5), padding);
                    store.commit(txn);
                }
                store.flush();
            }
            Txn last = store.begin();
            last.put(Schema.DENTRY, key(1, "x"), child(7));
            store.commit(last);
            store.syncLog();
            // The log holding it is a reused one: a new log would hold that one commit only.
            long logBytes;
            try (Stream<Path> files = Files.list(dir)) {
                logBytes = files.filter(f -> f.toString().endsWith(".log")).mapToLong(f -> f.toFile().length()).max().orElse(0);
            }
            assertTrue(logBytes > padding.size(), "the largest log has " + logBytes + " bytes");
        } // closed without a flush: the last commit lives only in the log
        try (MetaStore store = MetaStore.openLogged(dir)) {
            assertEquals(child(7), store.get(Schema.DENTRY, key(1, "x")).orElseThrow());
        }
    }
}
