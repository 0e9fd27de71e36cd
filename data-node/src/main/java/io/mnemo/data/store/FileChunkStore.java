package io.mnemo.data.store;

import static io.mnemo.data.store.Checksums.BLOCK_BYTES;
import static io.mnemo.data.store.Checksums.ZERO_BLOCK_CRC;
import static io.mnemo.data.store.Checksums.blockCount;
import static io.mnemo.data.store.Checksums.blockOf;
import static io.mnemo.data.store.Checksums.blockStart;
import static io.mnemo.data.store.Checksums.crcOf;
import static io.mnemo.data.store.Checksums.presentBytes;
import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import com.google.common.util.concurrent.Striped;
import com.google.errorprone.annotations.concurrent.GuardedBy;
import com.sun.nio.file.ExtendedOpenOption;
import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.ChunkId;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.model.Layout;
import io.mnemo.core.net.BufferPool;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ChunkStore} keeping each chunk as one sparse file ({@link ChunkFiles} names them),
 * written and read in place with positional I/O (small reads and the aligned middle of a large
 * write with {@code O_DIRECT}, see {@link DirectIo}), and its length and the CRC32C of every 64 KiB
 * block in a {@link ChunkIndex}, the node's own RocksDB. A chunk exists when the index has it.
 *
 * <p>Checksums. A block's checksum covers its bytes padded with zeros to the full block
 * ({@link Checksums}). A write computes the checksums of the blocks it touches; where it covers
 * only part of a block that already held bytes, it reads the block's other bytes, checks them
 * against the block's checksum (a write never blesses bad bytes) and sums the merged block. Every
 * read reads whole blocks and checks each; a mismatch fails the read with {@code EIO} and logs one
 * line naming the chunk and block. Truncation recomputes the new last block's checksum the same
 * way and drops the entries past it; deletion drops them all.
 *
 * <p>Crash consistency: the rule. Bytes and checksums live in two files that the kernel writes
 * back in no particular order, so after a crash either may be newer. The store keeps them
 * agreeing like this:
 * <ol>
 * <li>A write records its blocks' new checksums <em>before</em> it writes the bytes, each as
 *     <em>pending</em> together with the checksum of the bytes the block held before. The index's
 *     log is written (not synced) first, so if the process dies, the log, which lives in the
 *     kernel's page cache like the bytes, holds every checksum of every write that touched the
 *     file.</li>
 * <li>{@code sync} fdatasyncs the chunk files and their directories, then marks the synced
 *     blocks verified, sets each chunk's <em>synced length</em> and syncs the index's log. Synced
 *     bytes always have durable checksums that match them.</li>
 * <li>An overwrite of bytes below the synced length (rare: checkpoints, KV blocks and data sets
 *     are written once) first records, with a synced index write, that the chunk is being
 *     overwritten. Appends, the common case, need no sync: the synced length already bounds what
 *     they can have changed.</li>
 * <li>At startup every unclean chunk ({@link ChunkMeta#unclean()}) is read back from the block
 *     holding its synced length (or entirely, if overwritten). A block matching its checksum, or
 *     the checksum it had before its pending write, holds a consistent version and is kept. A
 *     block matching neither is judged by the Linux boot id recorded at the last start: if the
 *     machine stayed up (only the process died), the log is complete, so the block really is a
 *     torn write and is marked damaged. If the machine restarted, the log may have lost the
 *     newest checksums with the page cache, so a mismatch cannot be told from a lost checksum:
 *     unsynced bytes are kept as the disk kept them (what any local file system does with
 *     unsynced writes), except that the synced bytes of a block that was appended to must still
 *     match the checksum recorded at the sync. Then the chunk is clean again.</li>
 * </ol>
 * So: synced data is always verified exactly; after the process dies, torn writes are detected
 * exactly and nothing else alarms; after the machine dies, no false alarm either, and the bytes
 * written since the last sync are taken as found.
 *
 * <p>Space. A write that would grow the chunks past the configured capacity fails with
 * {@code ENOSPC}, and so does one that would leave less than {@code reserveBytes} free on a disk
 * the index shares: RocksDB stops taking writes for a while after its own disk fills, and deletes
 * need it to free space. A write the disk refuses all the same fails with {@code ENOSPC}, and its
 * blocks are re-summed from what landed. Deletion and truncation give space back: files are
 * removed and cut, after their index entries went, durably.
 *
 * <p>Concurrency. Every operation holds the store's lifecycle lock shared, which close takes
 * exclusively, so the index is never closed under a user. Reads, writes, syncs and verifies of an
 * inode share its lock (striped by inode); truncation and deletion take it exclusively. Writes to
 * one chunk share its chunk lock, which a sync of the chunk takes exclusively, so that a sync
 * never sees a write half done. Writes lock the blocks they touch exclusively and reads and
 * verifies shared, so a block's bytes and checksum are read together. Lock order: lifecycle,
 * inode, chunk, blocks (in ascending stripe order), a chunk's opening lock, the open-file table;
 * a chunk's own monitor guards its length and sync state. Open files live in a small LRU table; a file in use is
 * never closed under its user.
 */
public final class FileChunkStore implements ChunkStore {
    private static final Logger LOG = LoggerFactory.getLogger(FileChunkStore.class);

    /** Open chunk files kept between requests: enough for every stream a node serves at once. */
    public static final int DEFAULT_OPEN_FILES = 256;
    /** Where {@link #open(Path, long)} keeps the chunk files and the index under its directory. */
    public static final String CHUNKS_DIR = "chunks";
    public static final String INDEX_DIR = "index";
    private static final int INODE_LOCK_STRIPES = 1024;
    private static final int CHUNK_LOCK_STRIPES = 1024;
    /** A power of two above the blocks of the largest chunk. */
    private static final int BLOCK_LOCK_STRIPES = 4096;
    private static final long MIB = 1024 * 1024;

    private final Path dir;
    private final ChunkIndex index;
    private final DirectIo directIo;
    private final BufferPool readBuffers;
    private final long capacityBytes;
    private final FileStore disk;
    /** The device number of the disk ({@code st_dev}), alike for all nodes on it. */
    private final String diskId;
    private final long reserveBytes;
    private final int maxOpenFiles;
    private final AtomicLong usedBytes;
    private final Striped<ReadWriteLock> inodeLocks = Striped.readWriteLock(INODE_LOCK_STRIPES);
    private final Striped<ReadWriteLock> chunkLocks = Striped.readWriteLock(CHUNK_LOCK_STRIPES);
    private final Striped<ReadWriteLock> blockLocks = Striped.readWriteLock(BLOCK_LOCK_STRIPES);
    private final Striped<Lock> openingLocks = Striped.lock(CHUNK_LOCK_STRIPES);
    /** Per inode, what {@link #sync} has to flush. Changed only inside {@code compute}, removed by sync. */
    private final ConcurrentHashMap<InodeId, Unsynced> unsynced = new ConcurrentHashMap<>();

    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private volatile boolean closed;

    private final Object openLock = new Object();
    @GuardedBy("openLock")
    private final LinkedHashMap<ChunkId, OpenChunk> open = new LinkedHashMap<>(64, 0.75f, true);

    private FileChunkStore(Path dir, ChunkIndex index, long capacityBytes, FileStore disk, String diskId,
            long reserveBytes, int maxOpenFiles, long usedBytes, BufferPool readBuffers) {
        this.dir = dir;
        this.readBuffers = readBuffers;
        this.directIo = DirectIo.in(dir);
        this.index = index;
        this.capacityBytes = capacityBytes;
        this.disk = disk;
        this.diskId = diskId;
        this.reserveBytes = reserveBytes;
        this.maxOpenFiles = maxOpenFiles;
        this.usedBytes = new AtomicLong(usedBytes);
    }

    /**
     * Opens (creating if needed) the store in {@code dir}: chunk files under {@value #CHUNKS_DIR},
     * the index under {@value #INDEX_DIR}, {@link #DEFAULT_OPEN_FILES}.
     */
    public static FileChunkStore open(Path dir, long capacityBytes) throws FsException {
        return open(dir.resolve(CHUNKS_DIR), dir.resolve(INDEX_DIR), capacityBytes, DEFAULT_OPEN_FILES);
    }

    /**
     * Opens (creating if needed) the store, then recovers what a stop left unclean (see the class
     * comment) before it returns.
     *
     * @param chunksDir where the chunk files live
     * @param indexDir where the index lives; when on the same disk as the chunks, some of that disk
     *     is kept free for it
     * @param capacityBytes the most bytes the chunks may use; 0 for the size of the disk
     * @param maxOpenFiles how many chunk files stay open between requests
     * @throws FsException {@code EIO} when a directory, a chunk file or the index cannot be used
     */
    public static FileChunkStore open(Path chunksDir, Path indexDir, long capacityBytes, int maxOpenFiles)
            throws FsException {
        return open(chunksDir, indexDir, capacityBytes, maxOpenFiles, BufferPool.SHARED);
    }

    /** {@link #open(Path, Path, long, int)}, with the pool its reads take their buffers from. */
    static FileChunkStore open(Path chunksDir, Path indexDir, long capacityBytes, int maxOpenFiles,
            BufferPool readBuffers) throws FsException {
        if (capacityBytes < 0 || maxOpenFiles < 1) {
            throw new IllegalArgumentException("capacity " + capacityBytes + ", open files " + maxOpenFiles);
        }
        ChunkIndex index = null;
        try {
            Files.createDirectories(chunksDir);
            Files.createDirectories(indexDir);
            FileStore disk = Files.getFileStore(chunksDir);
            FileStore indexDisk = Files.getFileStore(indexDir);
            boolean shared = disk.equals(indexDisk);
            long reserve = indexReserveBytes(indexDisk.getTotalSpace());
            index = ChunkIndex.open(indexDir, Math.clamp(reserve / 16, 64 * 1024, 4 * MIB));
            long used = new ChunkRecovery(chunksDir, index, ChunkRecovery.currentBootId()).run();
            long capacity = capacityBytes > 0 ? capacityBytes : disk.getTotalSpace();
            String diskId = "dev " + Files.getAttribute(chunksDir, "unix:dev");
            return new FileChunkStore(chunksDir, index, capacity, disk, diskId, shared ? reserve : 0, maxOpenFiles,
                    used, readBuffers);
        } catch (IOException e) {
            if (index != null) {
                index.close();
            }
            throw failure("opening the chunk store in " + chunksDir, e);
        }
    }

    /** Room for the index's log, memtable flushes and compactions: 1/64 of its disk, within 1 to 64 MiB. */
    static long indexReserveBytes(long diskBytes) {
        return Math.clamp(diskBytes / 64, MIB, 64 * MIB);
    }

    // ------------------------------------------------------------------ write

    @Override
    public void write(ChunkId chunk, long offsetBytes, ByteBuf data) throws FsException {
        int lengthBytes = data.readableBytes();
        requireWithinChunk(chunk, offsetBytes, lengthBytes);
        if (lengthBytes == 0) {
            return;
        }
        long end = offsetBytes + lengthBytes;
        Lock running = enter();
        Lock inodeShared = inodeLocks.get(chunk.inode()).readLock();
        inodeShared.lock();
        try {
            OpenChunk file = acquire(chunk, true);
            Lock chunkShared = chunkLocks.get(chunk).readLock();
            chunkShared.lock();
            Lock[] blocks = lockBlocks(chunk, blockOf(offsetBytes), blockOf(end - 1), true);
            try {
                writeLocked(file, offsetBytes, data);
            } finally {
                unlockAll(blocks);
                chunkShared.unlock();
                release(file);
            }
        } finally {
            inodeShared.unlock();
            running.unlock();
        }
    }

    /** The write itself; the caller holds the chunk's lock shared and its blocks' exclusively. */
    private void writeLocked(OpenChunk file, long offsetBytes, ByteBuf data) throws FsException {
        ChunkId chunk = file.chunk;
        int lengthBytes = data.readableBytes();
        long end = offsetBytes + lengthBytes;
        long lengthBefore = file.lengthBytes();
        requireSpace(chunk, end - lengthBefore);

        int first = blockOf(offsetBytes);
        int last = blockOf(end - 1);
        // Only blocks that held bytes have entries worth reading.
        BlockCrc[] old = index.blocks(chunk, first, Math.min(last + 1, blockCount(lengthBefore)));
        int[] crcs = new int[last - first + 1];
        int[] before = new int[crcs.length];
        byte[] scratch = null;
        for (int i = 0; i < crcs.length; i++) {
            int block = first + i;
            long start = blockStart(block);
            int present = presentBytes(block, lengthBefore);
            int from = (int) Math.max(0, offsetBytes - start);
            int to = (int) Math.min(BLOCK_BYTES, end - start);
            int dataIndex = data.readerIndex() + (int) (start + from - offsetBytes);
            BlockCrc entry = i < old.length ? old[i] : null;
            int expected = entry == null ? ZERO_BLOCK_CRC : entry.crc();
            boolean keepsOldBytes = present > 0 && (from > 0 || to < present);
            if (from == 0 && !keepsOldBytes) {
                crcs[i] = crcOf(data, dataIndex, to);
            } else {
                if (scratch == null) {
                    scratch = new byte[BLOCK_BYTES];
                }
                Arrays.fill(scratch, (byte) 0);
                if (keepsOldBytes) {
                    readOldBytes(file, block, present, entry, scratch);
                }
                data.getBytes(dataIndex, scratch, from, to - from);
                crcs[i] = crcOf(scratch, Math.max(present, to));
            }
            before[i] = entry != null && entry.state() == BlockCrc.State.DAMAGED ? crcs[i] : expected;
        }

        synchronized (file) {
            // The first rewrite of synced bytes is recorded durably before it touches the file.
            boolean overwrite = offsetBytes < file.syncedLengthBytes && !file.overwritten;
            long newLength = Math.max(file.lengthBytes(), end);
            try (ChunkIndex.Batch batch = index.batch()) {
                for (int i = 0; i < crcs.length; i++) {
                    batch.putBlock(chunk, first + i, BlockCrc.pending(crcs[i], before[i]));
                }
                if (newLength != file.lengthBytes() || overwrite) {
                    batch.putMeta(chunk, new ChunkMeta(newLength, file.syncedLengthBytes, file.syncedTailCrc,
                            file.overwritten || overwrite));
                }
                index.commit(batch, overwrite);
            }
            file.overwritten |= overwrite;
            grow(file, newLength);
        }
        unsynced.compute(chunk.inode(), (inode, u) -> (u == null ? new Unsynced() : u).blocks(chunk.index(), first, last));
        try {
            directIo.write(file.channel, () -> file.directChannel(chunkPath(chunk)), data, offsetBytes);
        } catch (IOException e) {
            recordWhatLanded(file, first, before);
            throw failure("writing " + chunk, e);
        }
    }

    /** Reads the bytes a block holds into {@code into}, checking them: a write never blesses bad bytes. */
    private void readOldBytes(OpenChunk file, int block, int present, BlockCrc entry, byte[] into) throws FsException {
        if (entry != null && entry.state() == BlockCrc.State.DAMAGED) {
            throw damaged(file.chunk, block, "is damaged; a write to part of it cannot make it whole", null);
        }
        try {
            ChunkFiles.readBlock(file.channel, block, present, into);
        } catch (IOException e) {
            throw failure("reading " + file.chunk + " block " + block + " to merge a write into it", e);
        }
        int actual = crcOf(into, present);
        if (entry == null ? actual != ZERO_BLOCK_CRC : !entry.matches(actual)) {
            throw damaged(file.chunk, block, "does not match its checksum", "the write that would merge into it fails");
        }
    }

    /** After a failed write some of it may have reached the file: sum the blocks as they are now. */
    private void recordWhatLanded(OpenChunk file, int first, int[] before) {
        long lengthBytes = file.lengthBytes();
        byte[] scratch = new byte[BLOCK_BYTES];
        try (ChunkIndex.Batch batch = index.batch()) {
            for (int i = 0; i < before.length; i++) {
                int block = first + i;
                int present = presentBytes(block, lengthBytes);
                ChunkFiles.readBlock(file.channel, block, present, scratch);
                batch.putBlock(file.chunk, block, BlockCrc.pending(crcOf(scratch, present), before[i]));
            }
            index.commit(batch, false);
        } catch (IOException | RuntimeException e) {
            LOG.error("{}: after a failed write, cannot record what blocks {} to {} hold now ({}); they may read as "
                    + "damaged", file.chunk, first, first + before.length - 1, e.toString());
        }
    }

    private void requireSpace(ChunkId chunk, long growthBytes) throws FsException {
        if (growthBytes <= 0) {
            return;
        }
        if (usedBytes.get() + growthBytes > capacityBytes) {
            throw new FsException(Errno.ENOSPC, "writing " + chunk + ": the node's capacity of "
                    + capacityBytes + " bytes is used up");
        }
        if (reserveBytes > 0) {
            long free;
            try {
                free = disk.getUsableSpace();
            } catch (IOException e) {
                throw failure("reading the free space under " + dir, e);
            }
            if (free - growthBytes < reserveBytes) {
                throw new FsException(Errno.ENOSPC, "writing " + chunk + ": the disk under " + dir + " has " + free
                        + " bytes free, and " + reserveBytes + " of them stay free for the chunk index");
            }
        }
    }

    private void grow(OpenChunk file, long newLength) {
        long growth = newLength - file.lengthBytes();
        if (growth > 0) {
            file.lengthBytes = newLength;
            usedBytes.addAndGet(growth);
        }
    }

    // ------------------------------------------------------------------ read

    @Override
    public ByteBuf read(ChunkId chunk, long offsetBytes, int lengthBytes) throws FsException {
        requireWithinChunk(chunk, offsetBytes, lengthBytes);
        Lock running = enter();
        Lock inodeShared = inodeLocks.get(chunk.inode()).readLock();
        inodeShared.lock();
        try {
            OpenChunk file = acquire(chunk, false);
            if (file == null) {
                return Unpooled.EMPTY_BUFFER;
            }
            try {
                long present = Math.min(lengthBytes, file.lengthBytes() - offsetBytes);
                if (present <= 0) {
                    return Unpooled.EMPTY_BUFFER;
                }
                int first = blockOf(offsetBytes);
                int last = blockOf(offsetBytes + present - 1);
                Lock[] blocks = lockBlocks(chunk, first, last, false);
                try {
                    return readLocked(file, offsetBytes, lengthBytes, first, last);
                } finally {
                    unlockAll(blocks);
                }
            } finally {
                release(file);
            }
        } finally {
            inodeShared.unlock();
            running.unlock();
        }
    }

    /** Reads whole blocks {@code first..last} and checks them; the caller holds them locked. */
    private ByteBuf readLocked(OpenChunk file, long offsetBytes, int lengthBytes, int first, int last)
            throws FsException {
        // The length only grows while the blocks are locked; take it now that they are.
        long chunkLength = file.lengthBytes();
        long from = blockStart(first);
        long to = Math.min(blockStart(last + 1), chunkLength);
        long readEnd = Math.min(offsetBytes + lengthBytes, to);
        BlockCrc[] entries = index.blocks(file.chunk, first, last + 1);
        int span = (int) (to - from);
        boolean direct = file.channel != null && directIo.readsDirect(span);
        ByteBuf buffer = readBuffers.take(direct ? directIo.readCapacity(span) : span);
        try {
            if (!(direct && readDirect(file, from, span, buffer))) {
                ChunkFiles.readFully(file.channel, from, span, buffer);
            }
            for (int block = first; block <= last; block++) {
                int present = presentBytes(block, chunkLength);
                int actual = crcOf(buffer, (int) (blockStart(block) - from), present);
                BlockCrc entry = entries[block - first];
                if (entry == null ? actual != ZERO_BLOCK_CRC : !entry.matches(actual)) {
                    throw damaged(file.chunk, block, entry != null && entry.state() == BlockCrc.State.DAMAGED
                            ? "is damaged" : "does not match its checksum", "the read fails");
                }
            }
            buffer.setIndex((int) (offsetBytes - from), (int) (readEnd - from));
            return buffer;
        } catch (IOException e) {
            buffer.release();
            throw failure("reading " + file.chunk, e);
        } catch (RuntimeException e) {
            buffer.release();
            throw e;
        }
    }

    /** A read with {@code O_DIRECT}; false, with nothing read, to read through the page cache instead. */
    private boolean readDirect(OpenChunk file, long from, int span, ByteBuf buffer) {
        try {
            return directIo.read(file.directChannel(chunkPath(file.chunk)), from, span, buffer);
        } catch (IOException e) {
            LOG.debug("{}: a direct read failed ({}); reading through the page cache", file.chunk, e.toString());
            buffer.clear();
            return false;
        }
    }

    // ------------------------------------------------------------------ verify

    @Override
    public List<ChunkId> verifyChunks(InodeId inode) throws FsException {
        Lock running = enter();
        Lock inodeShared = inodeLocks.get(inode).readLock();
        inodeShared.lock();
        try {
            List<ChunkId> damaged = new ArrayList<>();
            byte[] scratch = new byte[BLOCK_BYTES];
            for (long chunkIndex : index.chunksOf(inode).keySet()) {
                ChunkId chunk = new ChunkId(inode, chunkIndex);
                List<Integer> bad = verifyChunk(chunk, scratch);
                if (!bad.isEmpty()) {
                    damaged.add(chunk);
                    LOG.error("{}: blocks {} fail their checksums (found by verify)", chunk, bad);
                }
            }
            return damaged;
        } finally {
            inodeShared.unlock();
            running.unlock();
        }
    }

    /** The blocks of the chunk that fail: read one at a time, each under its lock. */
    private List<Integer> verifyChunk(ChunkId chunk, byte[] scratch) throws FsException {
        List<Integer> bad = new ArrayList<>();
        OpenChunk file = acquire(chunk, false);
        if (file == null) {
            return bad;
        }
        try {
            for (int block = 0; block < blockCount(file.lengthBytes()); block++) {
                Lock shared = blockLocks.getAt(blockStripe(chunk, block)).readLock();
                shared.lock();
                try {
                    int present = presentBytes(block, file.lengthBytes());
                    BlockCrc entry = index.block(chunk, block);
                    try {
                        ChunkFiles.readBlock(file.channel, block, present, scratch);
                    } catch (IOException e) {
                        LOG.warn("{} block {} cannot be read: {}", chunk, block, e.toString());
                        bad.add(block);
                        continue;
                    }
                    int actual = crcOf(scratch, present);
                    if (entry == null ? actual != ZERO_BLOCK_CRC : !entry.matches(actual)) {
                        bad.add(block);
                    }
                } finally {
                    shared.unlock();
                }
            }
        } finally {
            release(file);
        }
        return bad;
    }

    // ------------------------------------------------------------------ truncate and delete

    @Override
    public void truncateChunks(InodeId inode, long index, long lengthBytes) throws FsException {
        if (index < 0 || lengthBytes < 0) {
            throw new FsException(Errno.EINVAL, "truncating " + inode + " to chunk " + index + " length " + lengthBytes);
        }
        Lock running = enter();
        Lock exclusive = inodeLocks.get(inode).writeLock();
        exclusive.lock();
        try {
            closeOpenChunks(inode);
            SortedMap<Long, ChunkMeta> held = this.index.chunksOf(inode);
            // With a length of 0 the chunk goes too; nothing is above the largest index.
            Long removeFrom = lengthBytes == 0 ? Long.valueOf(index) : index == Long.MAX_VALUE ? null : index + 1;
            SortedMap<Long, ChunkMeta> removed = removeFrom == null ? new TreeMap<>() : held.tailMap(removeFrom);
            ChunkMeta cut = lengthBytes == 0 ? null : held.get(index);
            boolean cuts = cut != null && cut.lengthBytes() > lengthBytes;
            ChunkId cutChunk = new ChunkId(inode, index);
            long freed = 0;
            try (ChunkIndex.Batch batch = this.index.batch()) {
                if (!removed.isEmpty()) {
                    batch.deleteChunksFrom(inode, removeFrom);
                    for (ChunkMeta meta : removed.values()) {
                        freed += meta.lengthBytes();
                    }
                }
                if (cuts) {
                    cutEntries(batch, cutChunk, cut, lengthBytes);
                    freed += cut.lengthBytes() - lengthBytes;
                }
                // Durable before the files change: an index that outlived a cut would call the lost bytes damaged.
                if (!batch.isEmpty()) {
                    this.index.commit(batch, true);
                }
            }
            usedBytes.addAndGet(-freed);
            boolean entriesRemoved = false;
            for (Path file : ChunkFiles.chunkFiles(inodeDir(inode))) {
                long fileIndex = ChunkFiles.indexOf(file);
                if (removeFrom != null && fileIndex >= removeFrom) {
                    Files.delete(file);
                    entriesRemoved = true;
                } else if (fileIndex == index && cuts) {
                    try (FileChannel channel = FileChannel.open(file, WRITE)) {
                        if (channel.size() > lengthBytes) {
                            channel.truncate(lengthBytes);
                        }
                    }
                }
            }
            boolean dirChanged = entriesRemoved;
            unsynced.compute(inode, (i, u) -> u != null ? u.truncated(index, lengthBytes, dirChanged)
                    : dirChanged ? new Unsynced().entriesChanged() : null);
        } catch (IOException e) {
            throw failure("truncating the chunks of " + inode + " to chunk " + index + " length " + lengthBytes, e);
        } finally {
            exclusive.unlock();
            running.unlock();
        }
    }

    /** Index changes cutting a chunk to {@code lengthBytes}: the new last block re-summed, the rest dropped. */
    private void cutEntries(ChunkIndex.Batch batch, ChunkId chunk, ChunkMeta meta, long lengthBytes)
            throws IOException {
        batch.deleteBlocksFrom(chunk, blockCount(lengthBytes));
        int lastBlock = blockOf(lengthBytes - 1);
        int kept = presentBytes(lastBlock, lengthBytes);
        int newTailCrc = 0;
        if (kept < BLOCK_BYTES) {
            byte[] scratch = new byte[BLOCK_BYTES];
            int present = presentBytes(lastBlock, meta.lengthBytes());
            BlockCrc entry = index.block(chunk, lastBlock);
            try (FileChannel file = ChunkFiles.openIfPresent(chunkPath(chunk))) {
                ChunkFiles.readBlock(file, lastBlock, present, scratch);
            }
            int actual = crcOf(scratch, present);
            if (entry == null ? actual == ZERO_BLOCK_CRC : entry.matches(actual)) {
                newTailCrc = crcOf(scratch, kept);
                batch.putBlock(chunk, lastBlock, BlockCrc.verified(newTailCrc));
            } else {
                // What is kept of a damaged block cannot be vouched for: it stays damaged.
                LOG.error("{} block {} does not match its checksum; truncated, it stays damaged", chunk, lastBlock);
                batch.putBlock(chunk, lastBlock, BlockCrc.DAMAGED);
            }
        }
        long synced = Math.min(meta.syncedLengthBytes(), lengthBytes);
        int syncedTailCrc = synced == lengthBytes ? newTailCrc : meta.syncedTailCrc();
        batch.putMeta(chunk, new ChunkMeta(lengthBytes, synced, syncedTailCrc, meta.overwritten()));
    }

    @Override
    public void deleteChunks(InodeId inode) throws FsException {
        Lock running = enter();
        Lock exclusive = inodeLocks.get(inode).writeLock();
        exclusive.lock();
        try {
            closeOpenChunks(inode);
            SortedMap<Long, ChunkMeta> held = index.chunksOf(inode);
            FsException indexFailure = null;
            if (!held.isEmpty()) {
                try (ChunkIndex.Batch batch = index.batch()) {
                    // Durable first: an index that outlived its files would call the chunks damaged.
                    index.commit(batch.deleteChunksFrom(inode, 0), true);
                    usedBytes.addAndGet(-held.values().stream().mapToLong(ChunkMeta::lengthBytes).sum());
                } catch (FsException e) {
                    // The files go all the same: on a full disk, freeing space is what lets the index
                    // write again, and the caller retries the deletion, which then drops the entries.
                    indexFailure = e;
                }
            }
            Path inodeDir = inodeDir(inode);
            if (held.isEmpty() && !Files.exists(inodeDir)) {
                // The common case for small files, which live inline and never had chunks here: one
                // stat instead of a failed directory listing (and its exception) per inode.
                unsynced.remove(inode);
                return;
            }
            for (Path file : ChunkFiles.chunkFiles(inodeDir)) {
                Files.delete(file);
            }
            Files.deleteIfExists(inodeDir);
            // Nothing of the inode is left to sync; a delete is not made durable (a lost one
            // leaves chunk files without entries, which the next deletion or write of them removes).
            unsynced.remove(inode);
            if (indexFailure != null) {
                throw indexFailure;
            }
        } catch (IOException e) {
            throw failure("deleting the chunks of " + inode, e);
        } finally {
            exclusive.unlock();
            running.unlock();
        }
    }

    // ------------------------------------------------------------------ sync

    @Override
    public void sync(InodeId inode) throws FsException {
        Lock running = enter();
        Lock shared = inodeLocks.get(inode).readLock();
        shared.lock();
        try {
            Unsynced pending = unsynced.remove(inode);
            if (pending == null) {
                return;
            }
            try {
                // Bytes and directory entries first, then the index that vouches for them. The bytes
                // go before the entries: syncing a new file's bytes commits the journal transaction
                // that holds its entries too, so the directories' syncs after it find nothing to
                // write (two fewer journal commits for a new file on ext4).
                boolean[] entriesDurable = {false};
                IoStep entries = () -> {
                    if (!entriesDurable[0]) {
                        if (pending.entriesChanged) {
                            forceDirectory(inodeDir(inode));
                        }
                        if (pending.inodeDirCreated) {
                            forceDirectory(dir);
                        }
                        entriesDurable[0] = true;
                    }
                };
                for (Map.Entry<Long, BitSet> chunk : pending.chunks.entrySet()) {
                    syncChunk(new ChunkId(inode, chunk.getKey()), chunk.getValue(), entries);
                }
                entries.run();
                index.syncWal();
            } catch (IOException e) {
                // Leave it all for the next sync to retry.
                unsynced.compute(inode, (i, u) -> pending.mergeInto(u));
                throw failure("syncing the chunks of " + inode, e);
            }
        } finally {
            shared.unlock();
            running.unlock();
        }
    }

    /**
     * fdatasyncs one chunk, runs {@code beforeMarking}, and marks the chunk clean in the index (not
     * yet synced); no write runs meanwhile.
     */
    private void syncChunk(ChunkId chunk, BitSet pendingBlocks, IoStep beforeMarking) throws IOException {
        Lock exclusive = chunkLocks.get(chunk).writeLock();
        exclusive.lock();
        try {
            OpenChunk file = acquire(chunk, false);
            if (file == null) {
                return;
            }
            try {
                if (file.lengthBytes() == 0) {
                    return; // created, but its first write failed: no chunk to mark
                }
                if (file.channel != null) {
                    file.channel.force(false);
                }
                beforeMarking.run();
                synchronized (file) {
                    long lengthBytes = file.lengthBytes();
                    int blocks = blockCount(lengthBytes);
                    int first = Math.max(0, pendingBlocks.nextSetBit(0));
                    int last = Math.min(blocks - 1, pendingBlocks.length() - 1);
                    int tailBlock = lengthBytes % BLOCK_BYTES == 0 ? -1 : blocks - 1;
                    try (ChunkIndex.Batch batch = index.batch()) {
                        BlockCrc[] entries = index.blocks(chunk, first, last + 1);
                        for (int block = first; block <= last; block++) {
                            BlockCrc entry = entries[block - first];
                            if (pendingBlocks.get(block) && entry != null && entry.state() == BlockCrc.State.PENDING) {
                                batch.putBlock(chunk, block, BlockCrc.verified(entry.crc()));
                            }
                        }
                        int tailCrc = 0;
                        if (tailBlock >= 0) {
                            BlockCrc tail = index.block(chunk, tailBlock);
                            tailCrc = tail == null ? ZERO_BLOCK_CRC : tail.crc();
                        }
                        batch.putMeta(chunk, new ChunkMeta(lengthBytes, lengthBytes, tailCrc, false));
                        index.commit(batch, false);
                        file.syncedLengthBytes = lengthBytes;
                        file.syncedTailCrc = tailCrc;
                        file.overwritten = false;
                    }
                }
            } finally {
                release(file);
            }
        } finally {
            exclusive.unlock();
        }
    }

    // ------------------------------------------------------------------ state

    /** Bytes written with {@code O_DIRECT} since the store opened (see {@link DirectIo}). */
    long directBytes() {
        return directIo.directBytes();
    }

    /** Reads made with {@code O_DIRECT} since the store opened. */
    long directReads() {
        return directIo.directReads();
    }

    @Override
    public long usedBytes() {
        return usedBytes.get();
    }

    @Override
    public long capacityBytes() {
        return capacityBytes;
    }

    @Override
    public DiskSpace disk() throws FsException {
        try {
            long free = Math.max(0, disk.getUsableSpace() - reserveBytes);
            return new DiskSpace(diskId, disk.getTotalSpace(), free);
        } catch (IOException e) {
            throw failure("reading the free space under " + dir, e);
        }
    }

    @Override
    public boolean hasUnsynced(InodeId inode) {
        return unsynced.containsKey(inode);
    }

    /**
     * Syncs what is still unsynced, so that the next start has nothing to check, then waits for the
     * operations in flight and closes the files and the index.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        for (InodeId inode : List.copyOf(unsynced.keySet())) {
            try {
                sync(inode);
            } catch (FsException e) {
                LOG.warn("closing {}: {}", this, e.getMessage());
            }
        }
        Lock exclusive = lifecycle.writeLock();
        exclusive.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            synchronized (openLock) {
                for (OpenChunk file : open.values()) {
                    closeQuietly(file);
                }
                open.clear();
            }
            index.close();
        } finally {
            exclusive.unlock();
        }
    }

    /** Takes the lifecycle lock shared for one operation. */
    private Lock enter() throws FsException {
        Lock shared = lifecycle.readLock();
        shared.lock();
        if (closed) {
            shared.unlock();
            throw new FsException(Errno.EIO, "chunk store in " + dir + " is closed");
        }
        return shared;
    }

    // ------------------------------------------------------------------ locks

    /**
     * The stripe of a chunk's block: consecutive blocks of a chunk take consecutive stripes, so a
     * range of blocks never shares a stripe (at most {@value Layout#MAX_CHUNK_SIZE} / 64 KiB blocks,
     * fewer than the stripes) and needs no hashing per block.
     */
    private static int blockStripe(ChunkId chunk, int block) {
        return (chunk.hashCode() * 0x9E3779B9 + block) & (BLOCK_LOCK_STRIPES - 1);
    }

    /** Locks blocks {@code first..last} in ascending stripe order, so two threads never deadlock. */
    private Lock[] lockBlocks(ChunkId chunk, int first, int last, boolean exclusive) {
        int[] stripes = new int[last - first + 1];
        for (int i = 0; i < stripes.length; i++) {
            stripes[i] = blockStripe(chunk, first + i);
        }
        Arrays.sort(stripes);
        Lock[] locked = new Lock[stripes.length];
        for (int i = 0; i < stripes.length; i++) {
            ReadWriteLock stripe = blockLocks.getAt(stripes[i]);
            locked[i] = exclusive ? stripe.writeLock() : stripe.readLock();
            locked[i].lock();
        }
        return locked;
    }

    private static void unlockAll(Lock[] locks) {
        for (int i = locks.length - 1; i >= 0; i--) {
            locks[i].unlock();
        }
    }

    // ------------------------------------------------------------------ open files

    /**
     * A chunk file open for reading and writing, with what the index says of its chunk; one per
     * chunk at a time. A null channel stands for a chunk the index holds whose file is gone: it
     * reads as zeros, which its checksums then refuse.
     */
    private static final class OpenChunk {
        final ChunkId chunk;
        final FileChannel channel;
        /** Changed under this object's monitor; read without it. */
        private volatile long lengthBytes;
        @GuardedBy("this")
        long syncedLengthBytes;
        @GuardedBy("this")
        int syncedTailCrc;
        @GuardedBy("this")
        boolean overwritten;
        @GuardedBy("FileChunkStore.openLock")
        int users;

        /** The file opened with {@code O_DIRECT}, once a read or a write needs it. */
        @GuardedBy("this")
        private FileChannel direct;

        OpenChunk(ChunkId chunk, FileChannel channel, ChunkMeta meta) {
            this.chunk = chunk;
            this.channel = channel;
            this.lengthBytes = meta.lengthBytes();
            this.syncedLengthBytes = meta.syncedLengthBytes();
            this.syncedTailCrc = meta.syncedTailCrc();
            this.overwritten = meta.overwritten();
        }

        long lengthBytes() {
            return lengthBytes;
        }

        synchronized FileChannel directChannel(Path path) throws IOException {
            if (direct == null) {
                direct = FileChannel.open(path, READ, WRITE, ExtendedOpenOption.DIRECT);
            }
            return direct;
        }

        synchronized void close() throws IOException {
            try {
                if (channel != null) {
                    channel.close();
                }
            } finally {
                if (direct != null) {
                    direct.close();
                    direct = null;
                }
            }
        }
    }

    /**
     * The chunk's open file, opened (and with {@code create}, created) if needed; null if the chunk
     * is absent. Opening reads the index and may create files, so it happens outside the table's
     * lock, under the chunk's opening lock: one opener per chunk, and the others not held up.
     */
    private OpenChunk acquire(ChunkId chunk, boolean create) throws FsException {
        OpenChunk file = acquireOpen(chunk);
        if (file != null) {
            return file;
        }
        Lock opening = openingLocks.get(chunk);
        opening.lock();
        try {
            file = acquireOpen(chunk); // opened while this thread waited
            if (file != null) {
                return file;
            }
            try {
                file = openFile(chunk, create);
            } catch (IOException e) {
                throw failure("opening " + chunk, e);
            }
            if (file == null || file.channel == null) {
                return file; // absent, or without a file: nothing to keep open
            }
            synchronized (openLock) {
                open.put(chunk, file);
                file.users++;
                evictIdle();
                return file;
            }
        } finally {
            opening.unlock();
        }
    }

    /** The chunk's file if the table holds it open, now with one more user; else null. */
    private OpenChunk acquireOpen(ChunkId chunk) {
        synchronized (openLock) {
            OpenChunk file = open.get(chunk);
            if (file != null && !file.channel.isOpen()) {
                // An interrupted I/O closed it (shutdown): forget it, its users close nothing more.
                open.remove(chunk);
                file = null;
            }
            if (file != null) {
                file.users++;
            }
            return file;
        }
    }

    private void release(OpenChunk file) {
        if (file.channel == null) {
            return;
        }
        synchronized (openLock) {
            file.users--;
            if (file.users == 0 && (closed || open.get(file.chunk) != file)) {
                closeQuietly(file);
            }
        }
    }

    /** Opens the chunk's file, the caller holding the chunk's opening lock. */
    private OpenChunk openFile(ChunkId chunk, boolean create) throws IOException {
        ChunkMeta meta = index.meta(chunk);
        Path path = chunkPath(chunk);
        if (meta == null) {
            // A file without an entry is a leftover of a write a crash lost: not a chunk.
            return create ? createFile(chunk, path, ChunkMeta.EMPTY) : null;
        }
        FileChannel channel = ChunkFiles.openIfPresent(path);
        if (channel == null) {
            if (!create) {
                return new OpenChunk(chunk, null, meta);
            }
            LOG.warn("{}: its file {} is missing; the blocks this write does not rewrite will fail their checksums",
                    chunk, path);
            return createFile(chunk, path, meta);
        }
        try {
            if (channel.size() > meta.lengthBytes()) {
                channel.truncate(meta.lengthBytes()); // bytes of appends whose length a crash lost
            }
            return new OpenChunk(chunk, channel, meta);
        } catch (IOException e) {
            channel.close();
            throw e;
        }
    }

    private OpenChunk createFile(ChunkId chunk, Path path, ChunkMeta meta) throws IOException {
        boolean inodeDirCreated = false;
        try {
            Files.createDirectory(path.getParent());
            inodeDirCreated = true;
        } catch (FileAlreadyExistsException exists) {
            // An earlier chunk of the inode made it.
        }
        FileChannel channel;
        try {
            // No one else can create it: the opening lock is held and deletion waits for the inode lock.
            channel = FileChannel.open(path, CREATE_NEW, READ, WRITE);
        } catch (FileAlreadyExistsException leftover) {
            channel = FileChannel.open(path, READ, WRITE);
            try {
                channel.truncate(0);
            } catch (IOException e) {
                channel.close();
                throw e;
            }
        }
        boolean dirCreated = inodeDirCreated;
        unsynced.compute(chunk.inode(), (inode, u) -> {
            Unsynced changed = (u == null ? new Unsynced() : u).entriesChanged();
            return dirCreated ? changed.inodeDirCreated() : changed;
        });
        return new OpenChunk(chunk, channel, meta);
    }

    @GuardedBy("openLock")
    private void evictIdle() {
        Iterator<OpenChunk> eldestFirst = open.values().iterator();
        while (open.size() > maxOpenFiles && eldestFirst.hasNext()) {
            OpenChunk file = eldestFirst.next();
            if (file.users == 0) {
                eldestFirst.remove();
                closeQuietly(file);
            }
        }
    }

    /** Closes the inode's open files; the caller holds the inode's lock exclusively, so none is in use. */
    private void closeOpenChunks(InodeId inode) {
        synchronized (openLock) {
            Iterator<OpenChunk> files = open.values().iterator();
            while (files.hasNext()) {
                OpenChunk file = files.next();
                if (file.chunk.inode().equals(inode)) {
                    files.remove();
                    closeQuietly(file);
                }
            }
        }
    }

    private static void closeQuietly(OpenChunk file) {
        try {
            file.close();
        } catch (IOException e) {
            LOG.warn("closing {} failed: {}", file.chunk, e.toString());
        }
    }

    // ------------------------------------------------------------------ durability bookkeeping

    /** A step of a sync. */
    @FunctionalInterface
    private interface IoStep {
        void run() throws IOException;
    }

    /** What one inode has changed since its last sync. Mutated only inside {@code unsynced.compute}. */
    private static final class Unsynced {
        /** Per chunk index, the blocks written since the last sync. */
        final Map<Long, BitSet> chunks = new HashMap<>();
        boolean entriesChanged;
        boolean inodeDirCreated;

        Unsynced blocks(long index, int first, int last) {
            chunks.computeIfAbsent(index, i -> new BitSet()).set(first, last + 1);
            return this;
        }

        Unsynced entriesChanged() {
            entriesChanged = true;
            return this;
        }

        Unsynced inodeDirCreated() {
            inodeDirCreated = true;
            return this;
        }

        /** Forgets what truncation removed: chunks past {@code index}, and blocks past the cut. */
        Unsynced truncated(long index, long lengthBytes, boolean removedFiles) {
            chunks.keySet().removeIf(i -> i > index || (i == index && lengthBytes == 0));
            BitSet cut = chunks.get(index);
            if (cut != null) {
                cut.clear(blockCount(lengthBytes), Math.max(blockCount(lengthBytes), cut.length()));
            }
            entriesChanged |= removedFiles;
            return this;
        }

        Unsynced mergeInto(Unsynced newer) {
            if (newer != null) {
                newer.chunks.forEach((index, blocks) -> chunks.computeIfAbsent(index, i -> new BitSet()).or(blocks));
                entriesChanged |= newer.entriesChanged;
                inodeDirCreated |= newer.inodeDirCreated;
            }
            return this;
        }
    }

    private static void forceDirectory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, READ)) {
            channel.force(true);
        } catch (NoSuchFileException gone) {
            // Deleted since: nothing left to make durable.
        }
    }

    // ------------------------------------------------------------------ names and errors

    private Path inodeDir(InodeId inode) {
        return ChunkFiles.inodeDir(dir, inode);
    }

    private Path chunkPath(ChunkId chunk) {
        return ChunkFiles.chunkPath(dir, chunk);
    }

    private static void requireWithinChunk(ChunkId chunk, long offsetBytes, long lengthBytes) throws FsException {
        if (offsetBytes < 0 || lengthBytes < 0 || offsetBytes > Layout.MAX_CHUNK_SIZE
                || lengthBytes > Layout.MAX_CHUNK_SIZE - offsetBytes) {
            throw new FsException(Errno.EINVAL, "range " + offsetBytes + "+" + lengthBytes + " of " + chunk
                    + " is outside a chunk's " + Layout.MAX_CHUNK_SIZE + " bytes");
        }
    }

    /**
     * A block whose bytes fail: one log line naming chunk and block, and the {@code EIO} to throw.
     *
     * @param consequence what fails because of it; null when the block is known damaged and the
     *     failure needs no more words than {@code what}
     */
    private FsException damaged(ChunkId chunk, int block, String what, String consequence) {
        long start = blockStart(block);
        String message = chunk + " block " + block + " (bytes " + start + " to " + (start + BLOCK_BYTES - 1) + ") "
                + what + (consequence == null ? "" : "; " + consequence + " with EIO");
        LOG.error("{}", message);
        return new FsException(Errno.EIO, message);
    }

    /** The one place an I/O failure becomes an errno; a failure that is not the disk being full is logged here, once. */
    private static FsException failure(String what, IOException e) {
        if (e instanceof FsException fs) {
            return fs;
        }
        String reason = String.valueOf(e.getMessage());
        if (reason.contains("No space left on device") || reason.contains("Disk quota exceeded")) {
            return new FsException(Errno.ENOSPC, what + ": no space left on device", e);
        }
        if (reason.contains("File too large")) {
            return new FsException(Errno.EFBIG, what + ": file too large", e);
        }
        FsException failure = new FsException(Errno.EIO, what + " failed: " + e, e);
        LOG.warn("{}", failure.getMessage());
        return failure;
    }

    @Override
    public String toString() {
        return "FileChunkStore[" + dir + "]";
    }
}
