package io.mnemo.meta.store;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.Checkpoint;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.CompressionType;
import org.rocksdb.DBOptions;
import org.rocksdb.FlushOptions;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * The RocksDB database that holds the namespace; the only class that touches RocksDB.
 *
 * <p>Opened {@link #open(Path) for a Raft log}, RocksDB's write-ahead log is off: the Raft log is
 * the write-ahead log, and every commit records the Raft index it applied. Memtables are
 * therefore lost on a crash, and also on a {@link #close()} without {@link #flush()}: closing
 * never flushes on its own, so that what survives is exactly what was flushed and the Raft log
 * replays the rest. Flushes are atomic across column families, so a flushed state is always the
 * state after some whole entry.
 *
 * <p>Opened {@link #openLogged(Path) logged}, every commit also goes to RocksDB's write-ahead log
 * (written, not synced: {@link #syncLog()} syncs it), which the next open replays.
 */
public final class MetaStore implements ReadView, Closeable {
    static {
        RocksDB.loadLibrary();
    }

    private final Path dir;
    private final RocksDB db;
    private final DBOptions dbOptions;
    private final ColumnFamilyOptions familyOptions;
    private final BloomFilter bloomFilter;
    private final List<ColumnFamilyHandle> handles;
    private final Map<String, ColumnFamilyHandle> families;
    private final WriteOptions writeOptions;
    private final ReadOptions readOptions;
    /**
     * The cells of the {@link Schema#SYS} family as last read or written (absent: none), keyed by
     * their key bytes: a handful, read by every create (the next inode number, the chain table's
     * version). A cell written long ago costs RocksDB a search through every level of the family
     * (the chain table's version took 7% of the CPU of a run of creates). Once an entry is here,
     * only {@link #commit} changes it, so a read racing a commit cannot leave an old value behind.
     */
    private final Map<ByteBuffer, Optional<byte[]>> cells = new ConcurrentHashMap<>();
    @GuardedBy("this")
    private boolean closed;

    private MetaStore(Path dir, RocksDB db, DBOptions dbOptions, ColumnFamilyOptions familyOptions,
            BloomFilter bloomFilter, List<ColumnFamilyHandle> handles, boolean logged) {
        this.dir = dir;
        this.db = db;
        this.dbOptions = dbOptions;
        this.familyOptions = familyOptions;
        this.bloomFilter = bloomFilter;
        this.handles = handles;
        this.families = new HashMap<>();
        for (int i = 0; i < Schema.FAMILIES.size(); i++) {
            families.put(Schema.FAMILIES.get(i), handles.get(i + 1)); // 0 is RocksDB's default family
        }
        this.writeOptions = new WriteOptions().setDisableWAL(!logged);
        this.readOptions = new ReadOptions();
    }

    /** Opens the database in {@code dir}, creating it and any missing family, for a Raft log to replay into. */
    public static MetaStore open(Path dir) throws IOException {
        return open(dir, false);
    }

    /** Opens the database in {@code dir} as {@link #open(Path)} does, with commits written to its own log. */
    public static MetaStore openLogged(Path dir) throws IOException {
        return open(dir, true);
    }

    private static MetaStore open(Path dir, boolean logged) throws IOException {
        Files.createDirectories(dir);
        DBOptions dbOptions = new DBOptions()
                .setCreateIfMissing(true)
                .setCreateMissingColumnFamilies(true)
                .setAtomicFlush(true)
                .setAvoidFlushDuringShutdown(true)
                .setInfoLogLevel(InfoLogLevel.WARN_LEVEL)
                .setKeepLogFileNum(2)
                // Reuse old log files: a sync then writes over blocks the file already has, instead
                // of lengthening it, and fdatasync has no size to journal (64 KiB synced: 192-196 us
                // instead of 277-351 us; files of 64 KiB written and closed one by one: 7-31%
                // faster; see BENCHMARKS.md). Two spare log files stay on disk. Only for a logged
                // store: RocksDB refuses unlogged writes to a database that recycles its logs.
                .setRecycleLogFileNum(logged ? 2 : 0)
                .setMaxBackgroundJobs(2)
                // Let the kernel read ahead in table files: entries written together (a directory's
                // files, their inline contents) lie together, and are read together.
                .setAdviseRandomOnOpen(false)
                // Read table files through a mapping: a block is no longer copied out of the page
                // cache first (20,000 small files read in creation order: 2,620-2,643 files/s with
                // pread, 3,632-3,889 with the mapping; see BENCHMARKS.md). The price: an I/O error
                // under a mapped page is a SIGBUS that ends the process, not an error of one read.
                .setAllowMmapReads(true);
        BloomFilter bloomFilter = new BloomFilter(10);
        // No compression: a lookup that misses the block cache decompressed two blocks (a third of
        // a LOOKUP's time in a directory of 1,000,000 entries), and small files' contents, kept
        // in the inline family, are mostly incompressible anyway. See BENCHMARKS.md.
        ColumnFamilyOptions familyOptions = new ColumnFamilyOptions()
                .setTableFormatConfig(new BlockBasedTableConfig().setFilterPolicy(bloomFilter))
                .setCompressionType(CompressionType.NO_COMPRESSION);
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, familyOptions));
        for (String family : Schema.FAMILIES) {
            descriptors.add(new ColumnFamilyDescriptor(Keys.NAME.encode(family), familyOptions));
        }
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        try {
            RocksDB db = RocksDB.open(dbOptions, dir.toString(), descriptors, handles);
            return new MetaStore(dir, db, dbOptions, familyOptions, bloomFilter, handles, logged);
        } catch (RocksDBException e) {
            handles.forEach(ColumnFamilyHandle::close);
            familyOptions.close();
            bloomFilter.close();
            dbOptions.close();
            throw new IOException("cannot open the metadata database in " + dir + ": " + e.getMessage(), e);
        }
    }

    public Path dir() {
        return dir;
    }

    /** A transaction over this store; commit it with {@link #commit}. */
    public Txn begin() {
        return new Txn(this);
    }

    /** Writes a transaction's writes atomically, as one batch. */
    public void commit(Txn txn) {
        Map<ByteBuffer, Optional<byte[]>> cellWrites = new HashMap<>();
        try (WriteBatch batch = new WriteBatch()) {
            RocksDBException[] failure = new RocksDBException[1];
            txn.forEachWrite((family, key, value) -> {
                if (family.equals(Schema.SYS)) {
                    cellWrites.put(ByteBuffer.wrap(key), Optional.ofNullable(value));
                }
                try {
                    if (value == null) {
                        batch.delete(handle(family), key);
                    } else {
                        batch.put(handle(family), key, value);
                    }
                } catch (RocksDBException e) {
                    failure[0] = e;
                }
            });
            if (failure[0] != null) {
                throw failure[0];
            }
            db.write(writeOptions, batch);
        } catch (RocksDBException e) {
            throw failed("write", e);
        }
        cells.putAll(cellWrites);
    }

    @Override
    public <K, V> Optional<V> get(Table<K, V> table, K key) {
        byte[] raw = getRaw(table.family(), table.keys().encode(key));
        return raw == null ? Optional.empty() : Optional.of(table.values().decode(raw));
    }

    @Override
    public <K, A, B> Both<A, B> get(Table<K, A> first, Table<K, B> second, K key) {
        byte[] firstKey = first.keys().encode(key);
        byte[] secondKey = second.keys().encode(key);
        List<byte[]> raw;
        try {
            // One MultiGet reads every column family at one sequence number: a consistent pair.
            raw = db.multiGetAsList(readOptions, List.of(handle(first.family()), handle(second.family())),
                    List.of(firstKey, secondKey));
        } catch (RocksDBException e) {
            throw failed("read", e);
        }
        return new Both<>(
                Optional.ofNullable(raw.get(0)).map(first.values()::decode),
                Optional.ofNullable(raw.get(1)).map(second.values()::decode));
    }

    @Override
    public <V> Optional<V> get(Cell<V> cell) {
        byte[] raw = getRaw(Schema.SYS, Keys.NAME.encode(cell.name()));
        return raw == null ? Optional.empty() : Optional.of(cell.codec().decode(raw));
    }

    @Override
    public <K, V> List<Row<K, V>> scan(Table<K, V> table, byte[] fromInclusive, byte[] toExclusive, int limit) {
        List<Row<K, V>> rows = new ArrayList<>();
        for (Row<byte[], byte[]> raw : scanRaw(table.family(), fromInclusive, toExclusive, limit)) {
            rows.add(new Row<>(table.keys().decode(raw.key()), table.values().decode(raw.value())));
        }
        return rows;
    }

    byte[] getRaw(String family, byte[] key) {
        if (family.equals(Schema.SYS)) {
            ByteBuffer name = ByteBuffer.wrap(key);
            Optional<byte[]> cell = cells.get(name);
            if (cell == null) {
                cell = Optional.ofNullable(read(family, key));
                cells.putIfAbsent(name, cell);
            }
            return cell.orElse(null);
        }
        return read(family, key);
    }

    private byte[] read(String family, byte[] key) {
        try {
            return db.get(handle(family), readOptions, key);
        } catch (RocksDBException e) {
            throw failed("read", e);
        }
    }

    List<Row<byte[], byte[]>> scanRaw(String family, byte[] fromInclusive, byte[] toExclusive, int limit) {
        List<Row<byte[], byte[]>> rows = new ArrayList<>();
        if (limit <= 0) {
            return rows;
        }
        try (Slice upper = new Slice(toExclusive);
                ReadOptions options = new ReadOptions().setIterateUpperBound(upper);
                RocksIterator it = db.newIterator(handle(family), options)) {
            for (it.seek(fromInclusive); it.isValid() && rows.size() < limit; it.next()) {
                rows.add(new Row<>(it.key(), it.value()));
            }
            it.status();
        } catch (RocksDBException e) {
            throw failed("scan", e);
        }
        return rows;
    }

    /** Syncs the write-ahead log of a {@link #openLogged logged} store: every commit so far survives a power cut. */
    public void syncLog() {
        try {
            db.syncWal();
        } catch (RocksDBException e) {
            throw failed("log sync", e);
        }
    }

    /**
     * Compacts a table's family, which drops the tombstones of its deleted rows. A scan steps over
     * each of them until a compaction does, so a family that is scanned often and mostly deleted
     * (the orphans) wants one after many deletions.
     */
    public void compact(Table<?, ?> table) {
        try {
            db.compactRange(handle(table.family()));
        } catch (RocksDBException e) {
            throw failed("compaction", e);
        }
    }

    /** Writes every memtable to disk and waits: afterwards the store survives a crash as it is. */
    public void flush() {
        try (FlushOptions options = new FlushOptions().setWaitForFlush(true)) {
            db.flush(options, handles.subList(1, handles.size()));
        } catch (RocksDBException e) {
            throw failed("flush", e);
        }
    }

    /**
     * Writes a consistent copy of the database to {@code target} (which must not exist), hard-linking
     * table files where it can. Call {@link #flush()} first if the copy must hold the memtables' contents.
     */
    public void checkpoint(Path target) throws IOException {
        try (Checkpoint checkpoint = Checkpoint.create(db)) {
            checkpoint.createCheckpoint(target.toString());
        } catch (RocksDBException e) {
            throw new IOException("cannot checkpoint the metadata database to " + target + ": " + e.getMessage(), e);
        }
    }

    /** Closes the database without flushing: unflushed writes are left to the log (Raft's or its own) to replay. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        readOptions.close();
        writeOptions.close();
        handles.forEach(ColumnFamilyHandle::close);
        db.close();
        familyOptions.close();
        bloomFilter.close();
        dbOptions.close();
    }

    private ColumnFamilyHandle handle(String family) {
        ColumnFamilyHandle h = families.get(family);
        if (h == null) {
            throw new IllegalArgumentException("no column family " + family);
        }
        return h;
    }

    private UncheckedIOException failed(String what, RocksDBException e) {
        return new UncheckedIOException(new IOException("metadata database " + what + " failed in " + dir + ": "
                + e.getMessage(), e));
    }
}
