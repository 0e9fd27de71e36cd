package io.mnemo.data.store;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.ChunkId;
import io.mnemo.core.model.InodeId;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.Status;
import org.rocksdb.WALRecoveryMode;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data node's own RocksDB, in {@code <node dir>/index}: the length and block checksums of every
 * chunk the node holds. The only class that touches RocksDB.
 *
 * <p>Unlike the metadata store, this database keeps RocksDB's write-ahead log on: a data node has
 * no Raft log to replay. Writes are not synced unless asked ({@link #commit} with {@code sync},
 * {@link #syncWal}); {@link FileChunkStore} decides when, and why that is enough after a crash.
 *
 * <p>Integers in keys are fixed-width big-endian, so byte order is numeric order and the chunks of
 * one inode, or the blocks of one chunk, are one prefix. Every value starts with a format byte, today 1.
 *
 * <table>
 * <caption>Column families</caption>
 * <tr><th>family</th><th>key</th><th>value</th><th>holds</th></tr>
 * <tr><td>{@code chunk}</td><td>u64 inode, u64 chunk index</td>
 *     <td>{@link ChunkMeta}: {@code [1][u64 length][u64 synced length][u32 synced tail crc][u8 flags]}</td>
 *     <td>every chunk this node holds: a chunk exists exactly when it has this entry (a chunk file
 *     without one is a leftover of a write a crash lost)</td></tr>
 * <tr><td>{@code block}</td><td>u64 inode, u64 chunk index, u32 block</td>
 *     <td>{@link BlockCrc}: {@code [1][0][u32 crc]}, {@code [1][1][u32 crc][u32 crc before]} or {@code [1][2]}</td>
 *     <td>the CRC32C of each 64 KiB block; a block inside the chunk's length without an entry holds zeros</td></tr>
 * <tr><td>{@code sys}</td><td>UTF-8 name</td><td>{@code [1][value]}</td>
 *     <td>{@code format-version} u32 (present once the index describes every chunk file),
 *     {@code boot-id} UTF-8 (the Linux boot id of the node's last start)</td></tr>
 * </table>
 */
final class ChunkIndex implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(ChunkIndex.class);

    static {
        RocksDB.loadLibrary();
    }

    static final int FORMAT_VERSION = 1;
    private static final byte VALUE_FORMAT = 1;
    private static final String CHUNK = "chunk";
    private static final String BLOCK = "block";
    private static final String SYS = "sys";
    private static final String FORMAT_VERSION_CELL = "format-version";
    private static final String BOOT_ID_CELL = "boot-id";

    private final Path dir;
    private final RocksDB db;
    private final DBOptions dbOptions;
    private final ColumnFamilyOptions familyOptions;
    private final List<ColumnFamilyHandle> handles;
    private final ColumnFamilyHandle chunks;
    private final ColumnFamilyHandle blocks;
    private final ColumnFamilyHandle sys;
    private final WriteOptions unsynced = new WriteOptions();
    private final WriteOptions synced = new WriteOptions().setSync(true);

    private ChunkIndex(Path dir, RocksDB db, DBOptions dbOptions, ColumnFamilyOptions familyOptions,
            List<ColumnFamilyHandle> handles) {
        this.dir = dir;
        this.db = db;
        this.dbOptions = dbOptions;
        this.familyOptions = familyOptions;
        this.handles = handles;
        this.chunks = handles.get(1);
        this.blocks = handles.get(2);
        this.sys = handles.get(3);
    }

    /**
     * Opens the index in {@code dir}, creating it if needed.
     *
     * @param writeBufferBytes the size of each memtable; the write-ahead log is kept to four of them
     * @throws FsException {@code EIO} when the database cannot be opened
     */
    static ChunkIndex open(Path dir, long writeBufferBytes) throws FsException {
        DBOptions dbOptions = new DBOptions()
                .setCreateIfMissing(true)
                .setCreateMissingColumnFamilies(true)
                .setInfoLogLevel(InfoLogLevel.WARN_LEVEL)
                .setKeepLogFileNum(2)
                // Reuse old log files, so that a sync writes over allocated blocks and journals no
                // new size (as the metadata store does; see BENCHMARKS.md).
                .setRecycleLogFileNum(2)
                .setMaxBackgroundJobs(2)
                // A rarely written family pins old logs; this bounds what they keep on disk.
                .setMaxTotalWalSize(4 * writeBufferBytes)
                .setManifestPreallocationSize(64 * 1024)
                .setWalRecoveryMode(WALRecoveryMode.PointInTimeRecovery);
        ColumnFamilyOptions familyOptions = new ColumnFamilyOptions().setWriteBufferSize(writeBufferBytes);
        List<ColumnFamilyDescriptor> descriptors = new ArrayList<>();
        descriptors.add(new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, familyOptions));
        for (String family : List.of(CHUNK, BLOCK, SYS)) {
            descriptors.add(new ColumnFamilyDescriptor(family.getBytes(StandardCharsets.UTF_8), familyOptions));
        }
        List<ColumnFamilyHandle> handles = new ArrayList<>();
        try {
            Files.createDirectories(dir);
            RocksDB db = RocksDB.open(dbOptions, dir.toString(), descriptors, handles);
            return new ChunkIndex(dir, db, dbOptions, familyOptions, handles);
        } catch (RocksDBException | IOException e) {
            handles.forEach(ColumnFamilyHandle::close);
            familyOptions.close();
            dbOptions.close();
            throw new FsException(Errno.EIO, "cannot open the chunk index in " + dir + ": " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------ sys cells

    /** Whether the index already describes every chunk file (see the {@code format-version} cell). */
    boolean formatted() throws FsException {
        byte[] value = get(sys, FORMAT_VERSION_CELL.getBytes(StandardCharsets.UTF_8), "the format version");
        if (value == null) {
            return false;
        }
        int version = ByteBuffer.wrap(payload(value, "format version")).getInt();
        if (version != FORMAT_VERSION) {
            throw new FsException(Errno.EIO, "the chunk index in " + dir + " has format " + version + ", this node reads "
                    + FORMAT_VERSION);
        }
        return true;
    }

    /** Records, durably, that the index describes every chunk file. */
    void markFormatted() throws FsException {
        putSys(FORMAT_VERSION_CELL, ByteBuffer.allocate(4).putInt(FORMAT_VERSION).array());
    }

    /** The boot id recorded at the node's last start; null if none was. */
    String bootId() throws FsException {
        byte[] value = get(sys, BOOT_ID_CELL.getBytes(StandardCharsets.UTF_8), "the boot id");
        return value == null ? null : new String(payload(value, "boot id"), StandardCharsets.UTF_8);
    }

    /** Records, durably, the boot id of this start. */
    void recordBootId(String bootId) throws FsException {
        putSys(BOOT_ID_CELL, bootId.getBytes(StandardCharsets.UTF_8));
    }

    private void putSys(String name, byte[] value) throws FsException {
        byte[] versioned = new byte[value.length + 1];
        versioned[0] = VALUE_FORMAT;
        System.arraycopy(value, 0, versioned, 1, value.length);
        try {
            db.put(sys, synced, name.getBytes(StandardCharsets.UTF_8), versioned);
        } catch (RocksDBException e) {
            throw failure("recording " + name, e);
        }
    }

    private byte[] payload(byte[] value, String what) throws FsException {
        if (value.length == 0 || value[0] != VALUE_FORMAT) {
            throw new FsException(Errno.EIO, "the chunk index in " + dir + " holds a corrupt " + what);
        }
        byte[] payload = new byte[value.length - 1];
        System.arraycopy(value, 1, payload, 0, payload.length);
        return payload;
    }

    // ------------------------------------------------------------------ chunks

    /** The chunk's entry; null when the node does not hold the chunk. */
    ChunkMeta meta(ChunkId chunk) throws FsException {
        byte[] value = get(chunks, chunkKey(chunk), chunk.toString());
        return value == null ? null : decodeMeta(chunk, value);
    }

    /** What {@link #forEachChunk} calls for every chunk. */
    @FunctionalInterface
    interface ChunkVisitor {
        void visit(ChunkId chunk, ChunkMeta meta) throws FsException;
    }

    /** Calls {@code visitor} for every chunk the node holds, in key order. */
    void forEachChunk(ChunkVisitor visitor) throws FsException {
        try (RocksIterator it = db.newIterator(chunks)) {
            for (it.seekToFirst(); it.isValid(); it.next()) {
                ChunkId chunk = chunkOf(it.key());
                visitor.visit(chunk, decodeMeta(chunk, it.value()));
            }
            it.status();
        } catch (RocksDBException e) {
            throw failure("listing the chunks", e);
        }
    }

    /** The inode's chunks held here, by index. */
    SortedMap<Long, ChunkMeta> chunksOf(InodeId inode) throws FsException {
        SortedMap<Long, ChunkMeta> found = new TreeMap<>();
        byte[] prefix = inodeKey(inode);
        try (Slice upper = new Slice(successor(prefix));
                ReadOptions options = new ReadOptions().setIterateUpperBound(upper);
                RocksIterator it = db.newIterator(chunks, options)) {
            for (it.seek(prefix); it.isValid(); it.next()) {
                ChunkId chunk = chunkOf(it.key());
                found.put(chunk.index(), decodeMeta(chunk, it.value()));
            }
            it.status();
        } catch (RocksDBException e) {
            throw failure("listing the chunks of " + inode, e);
        }
        return found;
    }

    // ------------------------------------------------------------------ blocks

    /** The entry of one block; null when it has none (a hole, or past the chunk's length). */
    BlockCrc block(ChunkId chunk, int block) throws FsException {
        byte[] value = get(blocks, blockKey(chunk, block), chunk + " block " + block);
        return value == null ? null : decodeBlock(chunk, block, value);
    }

    /** The entries of blocks {@code from} (inclusive) to {@code to} (exclusive), null where a block has none. */
    BlockCrc[] blocks(ChunkId chunk, int from, int to) throws FsException {
        BlockCrc[] found = new BlockCrc[Math.max(0, to - from)];
        if (found.length == 0) {
            return found;
        }
        try (Slice upper = new Slice(blockKey(chunk, to));
                ReadOptions options = new ReadOptions().setIterateUpperBound(upper);
                RocksIterator it = db.newIterator(blocks, options)) {
            for (it.seek(blockKey(chunk, from)); it.isValid(); it.next()) {
                int block = ByteBuffer.wrap(it.key()).getInt(16);
                found[block - from] = decodeBlock(chunk, block, it.value());
            }
            it.status();
        } catch (RocksDBException e) {
            throw failure("reading the checksums of " + chunk, e);
        }
        return found;
    }

    // ------------------------------------------------------------------ writing

    /** A set of changes written atomically by {@link #commit}. Close it after use. */
    Batch batch() {
        return new Batch();
    }

    /**
     * Writes the batch atomically. With {@code sync} it is durable (with everything written before
     * it) when this returns; without, a crash of the machine (not of the process) may lose it.
     *
     * @throws FsException {@code ENOSPC} when the index's disk is full; {@code EIO} otherwise
     */
    void commit(Batch batch, boolean sync) throws FsException {
        try {
            db.write(sync ? synced : unsynced, batch.batch);
        } catch (RocksDBException e) {
            throw failure("writing checksums", e);
        }
    }

    /** Makes every write so far durable. */
    void syncWal() throws FsException {
        try {
            db.syncWal();
        } catch (RocksDBException e) {
            throw failure("syncing the log", e);
        }
    }

    /** Changes to the index, applied together by {@link ChunkIndex#commit}. */
    final class Batch implements AutoCloseable {
        private final WriteBatch batch = new WriteBatch();

        Batch putMeta(ChunkId chunk, ChunkMeta meta) throws FsException {
            try {
                batch.put(chunks, chunkKey(chunk), meta.encode());
            } catch (RocksDBException e) {
                throw failure("preparing " + chunk, e);
            }
            return this;
        }

        Batch putBlock(ChunkId chunk, int block, BlockCrc crc) throws FsException {
            try {
                batch.put(blocks, blockKey(chunk, block), crc.encode());
            } catch (RocksDBException e) {
                throw failure("preparing " + chunk + " block " + block, e);
            }
            return this;
        }

        /** Removes the entries of blocks {@code from} and above (but keeps the chunk). */
        Batch deleteBlocksFrom(ChunkId chunk, int from) throws FsException {
            return deleteRange(blocks, blockKey(chunk, from), successor(chunkKey(chunk)), chunk.toString());
        }

        /** Removes chunks {@code fromIndex} and above of the inode, with their blocks. */
        Batch deleteChunksFrom(InodeId inode, long fromIndex) throws FsException {
            byte[] from = chunkKey(new ChunkId(inode, fromIndex));
            byte[] to = successor(inodeKey(inode));
            deleteRange(chunks, from, to, inode.toString());
            return deleteRange(blocks, from, to, inode.toString());
        }

        private Batch deleteRange(ColumnFamilyHandle family, byte[] from, byte[] to, String what) throws FsException {
            try {
                batch.deleteRange(family, from, to);
            } catch (RocksDBException e) {
                throw failure("preparing the removal of " + what, e);
            }
            return this;
        }

        boolean isEmpty() {
            return batch.count() == 0;
        }

        @Override
        public void close() {
            batch.close();
        }
    }

    // ------------------------------------------------------------------ keys and values

    static byte[] inodeKey(InodeId inode) {
        return ByteBuffer.allocate(8).putLong(inode.value()).array();
    }

    static byte[] chunkKey(ChunkId chunk) {
        return ByteBuffer.allocate(16).putLong(chunk.inode().value()).putLong(chunk.index()).array();
    }

    static byte[] blockKey(ChunkId chunk, int block) {
        return ByteBuffer.allocate(20).putLong(chunk.inode().value()).putLong(chunk.index()).putInt(block).array();
    }

    private static ChunkId chunkOf(byte[] key) {
        ByteBuffer in = ByteBuffer.wrap(key);
        return new ChunkId(new InodeId(in.getLong()), in.getLong());
    }

    /** The smallest key greater than every key starting with {@code prefix}. */
    static byte[] successor(byte[] prefix) {
        byte[] next = prefix.clone();
        for (int i = next.length - 1; i >= 0; i--) {
            if (++next[i] != 0) {
                return next;
            }
        }
        throw new IllegalArgumentException("no key follows every key starting with 0xff...");
    }

    private ChunkMeta decodeMeta(ChunkId chunk, byte[] value) throws FsException {
        try {
            return ChunkMeta.decode(value);
        } catch (IllegalArgumentException e) {
            throw logged(new FsException(Errno.EIO, "the chunk index in " + dir + " holds a corrupt entry for " + chunk
                    + ": " + e.getMessage(), e));
        }
    }

    private BlockCrc decodeBlock(ChunkId chunk, int block, byte[] value) throws FsException {
        try {
            return BlockCrc.decode(value);
        } catch (IllegalArgumentException e) {
            throw logged(new FsException(Errno.EIO, "the chunk index in " + dir + " holds a corrupt entry for " + chunk
                    + " block " + block + ": " + e.getMessage(), e));
        }
    }

    private byte[] get(ColumnFamilyHandle family, byte[] key, String what) throws FsException {
        try {
            return db.get(family, key);
        } catch (RocksDBException e) {
            throw failure("reading " + what, e);
        }
    }

    /** The one place a RocksDB failure becomes an errno; one that is not a full disk is logged here, once. */
    private FsException failure(String what, RocksDBException e) {
        Status status = e.getStatus();
        if (status != null && status.getSubCode() == Status.SubCode.NoSpace) {
            return new FsException(Errno.ENOSPC, what + " in the chunk index " + dir + ": no space left on device", e);
        }
        return logged(new FsException(Errno.EIO, what + " in the chunk index " + dir + " failed: " + e.getMessage(), e));
    }

    private static FsException logged(FsException failure) {
        LOG.warn("{}", failure.getMessage());
        return failure;
    }

    /** Closes the database; the caller makes sure nothing uses it any more. */
    @Override
    public void close() {
        handles.forEach(ColumnFamilyHandle::close);
        db.close();
        familyOptions.close();
        dbOptions.close();
        unsynced.close();
        synced.close();
    }

    @Override
    public String toString() {
        return "ChunkIndex[" + dir + "]";
    }
}
