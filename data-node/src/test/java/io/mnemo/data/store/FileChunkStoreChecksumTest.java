package io.mnemo.data.store;

import static io.mnemo.data.store.Checksums.BLOCK_BYTES;
import static io.mnemo.data.store.StoreFiles.blockCrc;
import static io.mnemo.data.store.StoreFiles.flipBit;
import static io.mnemo.data.store.StoreFiles.random;
import static io.mnemo.data.store.StoreFiles.read;
import static io.mnemo.data.store.StoreFiles.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.ChunkId;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.net.BufferPool;
import io.mnemo.data.CapturedLog;
import io.mnemo.data.NoLeaks;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Block checksums through a real store on a real RocksDB: kept right, checked on every read, and by verify. */
@ExtendWith(NoLeaks.class)
class FileChunkStoreChecksumTest {
    private static final InodeId INODE = new InodeId(42);
    private static final int CHUNK_BYTES = 16 * BLOCK_BYTES;

    @TempDir
    Path dir;
    private Path chunks;
    private FileChunkStore store;

    private final BufferPool readBuffers = new BufferPool(64 << 20);

    @BeforeEach
    void open() throws FsException {
        chunks = dir.resolve(FileChunkStore.CHUNKS_DIR);
        store = FileChunkStore.open(chunks, dir.resolve(FileChunkStore.INDEX_DIR), 0, FileChunkStore.DEFAULT_OPEN_FILES,
                readBuffers);
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void everyBlock_hasTheChecksumOfItsBytesPaddedWithZeros() throws Exception {
        byte[] data = random(new Random(1), 3 * BLOCK_BYTES + 100);
        write(store, chunk(0), 0, data);
        write(store, chunk(1), 2 * BLOCK_BYTES + 5, new byte[] {1, 2, 3}); // blocks 0 and 1 are a hole
        store.close();

        try (ChunkIndex index = ChunkIndex.open(dir.resolve(FileChunkStore.INDEX_DIR), 64 * 1024)) {
            BlockCrc[] first = index.blocks(chunk(0), 0, 5);
            for (int block = 0; block < 3; block++) {
                assertEquals(BlockCrc.verified(blockCrc(data, block * BLOCK_BYTES, BLOCK_BYTES)), first[block]);
            }
            assertEquals(BlockCrc.verified(blockCrc(data, 3 * BLOCK_BYTES, 100)), first[3]);
            assertNull(first[4]);
            assertEquals(new ChunkMeta(data.length, data.length, first[3].crc(), false), index.meta(chunk(0)));

            BlockCrc[] second = index.blocks(chunk(1), 0, 3);
            assertNull(second[0]);
            assertNull(second[1]);
            byte[] tail = new byte[8];
            tail[5] = 1;
            tail[6] = 2;
            tail[7] = 3;
            assertEquals(BlockCrc.verified(blockCrc(tail, 0, 8)), second[2]);
        }
        store = FileChunkStore.open(dir, 0);
    }

    @Test
    void partialBlockWrites_andTruncates_keepEveryChecksumRight_acrossRestarts() throws Exception {
        Random random = new Random(7);
        Map<Long, byte[]> model = new HashMap<>();
        for (int step = 0; step < 300; step++) {
            long index = random.nextInt(3);
            byte[] content = model.getOrDefault(index, new byte[0]);
            int op = random.nextInt(10);
            if (op < 7) {
                // Anywhere in the chunk, often inside blocks, sometimes past the end (a hole).
                int offset = random.nextInt(CHUNK_BYTES - 1);
                int length = 1 + random.nextInt(Math.min(CHUNK_BYTES - offset, random.nextBoolean() ? 300 : 3 * BLOCK_BYTES));
                byte[] data = random(random, length);
                write(store, chunk(index), offset, data);
                content = Arrays.copyOf(content, Math.max(content.length, offset + length));
                System.arraycopy(data, 0, content, offset, length);
                model.put(index, content);
            } else if (op < 9) {
                long keep = content.length == 0 ? 0 : random.nextInt(content.length + 1);
                store.truncateChunks(INODE, index, keep);
                for (long other = index + 1; other < 3; other++) {
                    model.remove(other);
                }
                if (keep == 0) {
                    model.remove(index);
                } else {
                    model.put(index, Arrays.copyOf(content, (int) keep));
                }
            } else if (random.nextBoolean()) {
                store.sync(INODE);
            } else {
                store.close();
                store = FileChunkStore.open(dir, 0);
            }
            for (long i = 0; i < 3; i++) {
                byte[] expected = model.getOrDefault(i, new byte[0]);
                assertArrayEquals(expected, read(store, chunk(i), 0, CHUNK_BYTES), "chunk " + i + " after step " + step);
            }
        }
        assertEquals(List.of(), store.verifyChunks(INODE));
        assertEquals(model.values().stream().mapToLong(b -> b.length).sum(), store.usedBytes());
    }

    @Test
    void aFlippedBit_failsReadsOfItsBlockWithEio_andOneLogLineNamingIt_andNothingElse() throws Exception {
        byte[][] data = new byte[3][];
        for (int i = 0; i < 3; i++) {
            data[i] = random(new Random(i), 4 * BLOCK_BYTES);
            write(store, chunk(i), 0, data[i]);
        }
        store.sync(INODE);
        flipBit(chunks, chunk(1), 3 * BLOCK_BYTES + 17); // block 3 of chunk 1

        try (CapturedLog log = new CapturedLog()) {
            FsException damaged = assertThrows(FsException.class, () -> read(store, chunk(1), 3 * BLOCK_BYTES + 10, 20));
            assertEquals(Errno.EIO, damaged.errno());
            assertTrue(damaged.getMessage().contains("chunk 42:1 block 3"), damaged.getMessage());
            assertEquals(1, log.linesContaining("chunk 42:1").size(), log.lines().toString());
            assertEquals(1, log.linesContaining("chunk 42:1 block 3 (bytes 196608 to 262143)").size());
        }
        // A read across it fails too; the chunk's other blocks and the other chunks read as written.
        assertEquals(Errno.EIO, assertThrows(FsException.class, () -> read(store, chunk(1), 0, CHUNK_BYTES)).errno());
        assertEquals(0, readBuffers.inUse(), "the failed reads gave their buffers back");
        assertTrue(readBuffers.allocations() > 0);
        assertArrayEquals(Arrays.copyOf(data[1], 3 * BLOCK_BYTES), read(store, chunk(1), 0, 3 * BLOCK_BYTES));
        assertArrayEquals(data[0], read(store, chunk(0), 0, CHUNK_BYTES));
        assertArrayEquals(data[2], read(store, chunk(2), 0, CHUNK_BYTES));
    }

    @Test
    void verify_reportsExactlyTheDamagedChunks() throws Exception {
        for (int i = 0; i < 6; i++) {
            write(store, chunk(i), 0, random(new Random(i), 2 * BLOCK_BYTES + 1000));
        }
        write(store, new ChunkId(new InodeId(43), 0), 0, random(new Random(9), 1000));
        store.sync(INODE);
        assertEquals(List.of(), store.verifyChunks(INODE));

        flipBit(chunks, chunk(1), 0);
        flipBit(chunks, chunk(4), 2 * BLOCK_BYTES + 999); // the last byte, in the partial last block
        store.close();
        Files.delete(ChunkFiles.chunkPath(chunks, chunk(5))); // a lost file is damage too
        store = FileChunkStore.open(dir, 0);
        // Bytes past a chunk's length are nobody's: not damage.
        try (FileChannel file = FileChannel.open(ChunkFiles.chunkPath(chunks, chunk(2)), StandardOpenOption.WRITE)) {
            file.write(java.nio.ByteBuffer.wrap(new byte[] {9}), 3 * BLOCK_BYTES);
        }

        try (CapturedLog log = new CapturedLog()) {
            assertEquals(List.of(chunk(1), chunk(4), chunk(5)), store.verifyChunks(INODE));
            assertEquals(3, log.linesContaining("found by verify").size(), log.lines().toString());
        }
        assertEquals(List.of(), store.verifyChunks(new InodeId(43)));
        assertEquals(List.of(), store.verifyChunks(new InodeId(44))); // holds nothing here
    }

    @Test
    void checksums_surviveARestart_andStillCatchDamage() throws Exception {
        byte[] data = random(new Random(3), 5 * BLOCK_BYTES + 3);
        write(store, chunk(0), 0, data);
        write(store, chunk(0), 100, new byte[] {1}); // not synced: close makes it durable
        data[100] = 1;
        store.close();

        store = FileChunkStore.open(dir, 0);
        assertArrayEquals(data, read(store, chunk(0), 0, CHUNK_BYTES));
        assertEquals(data.length, store.usedBytes());
        flipBit(chunks, chunk(0), 5 * BLOCK_BYTES + 1);
        assertEquals(Errno.EIO, assertThrows(FsException.class, () -> read(store, chunk(0), 5 * BLOCK_BYTES, 3)).errno());
        assertEquals(List.of(chunk(0)), store.verifyChunks(INODE));
    }

    @Test
    void aPartialWrite_intoADamagedBlock_failsWithEio_andAWholeBlockWriteHealsIt() throws Exception {
        byte[] data = random(new Random(4), 2 * BLOCK_BYTES);
        write(store, chunk(0), 0, data);
        flipBit(chunks, chunk(0), BLOCK_BYTES + 1);

        FsException refused = assertThrows(FsException.class, () -> write(store, chunk(0), BLOCK_BYTES + 10, new byte[5]));
        assertEquals(Errno.EIO, refused.errno());
        assertTrue(refused.getMessage().contains("chunk 42:0 block 1"), refused.getMessage());
        // The block is as damaged as it was, no more, and its neighbour is fine.
        assertArrayEquals(Arrays.copyOf(data, BLOCK_BYTES), read(store, chunk(0), 0, BLOCK_BYTES));
        assertEquals(List.of(chunk(0)), store.verifyChunks(INODE));

        byte[] whole = random(new Random(5), BLOCK_BYTES);
        write(store, chunk(0), BLOCK_BYTES, whole);
        assertArrayEquals(whole, read(store, chunk(0), BLOCK_BYTES, BLOCK_BYTES));
        assertEquals(List.of(), store.verifyChunks(INODE));
    }

    @Test
    void truncatingIntoADamagedBlock_leavesItDamaged_andTruncatingItAway_removesTheDamage() throws Exception {
        write(store, chunk(0), 0, random(new Random(6), 3 * BLOCK_BYTES));
        flipBit(chunks, chunk(0), 2 * BLOCK_BYTES + 50_000);

        store.truncateChunks(INODE, 0, 2 * BLOCK_BYTES + 10); // keeps 10 bytes of block 2: unverifiable
        assertEquals(Errno.EIO, assertThrows(FsException.class, () -> read(store, chunk(0), 2 * BLOCK_BYTES, 5)).errno());
        assertEquals(List.of(chunk(0)), store.verifyChunks(INODE));

        store.truncateChunks(INODE, 0, 2 * BLOCK_BYTES);
        assertEquals(List.of(), store.verifyChunks(INODE));
        assertEquals(2 * BLOCK_BYTES, read(store, chunk(0), 0, CHUNK_BYTES).length);
    }

    @Test
    void aChunkFileWithoutAnEntry_isNoChunk_andIsReplacedByTheFirstWrite() throws Exception {
        Path leftover = ChunkFiles.chunkPath(chunks, chunk(7));
        Files.createDirectories(leftover.getParent());
        Files.write(leftover, new byte[] {1, 2, 3, 4, 5});

        assertEquals(0, read(store, chunk(7), 0, 100).length);
        assertEquals(List.of(), store.verifyChunks(INODE));
        write(store, chunk(7), 2, new byte[] {9});
        assertArrayEquals(new byte[] {0, 0, 9}, read(store, chunk(7), 0, 100));
    }

    @Test
    void writersSharingBlocks_readersAndSyncs_atOnce_neverSeeADamagedBlock() throws Exception {
        int writers = 4;
        int pieceBytes = 10_000; // neighbouring pieces share blocks, and belong to different writers
        int pieces = CHUNK_BYTES / pieceBytes;
        byte[] expected = random(new Random(11), pieces * pieceBytes);
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(writers + 2);
        try {
            List<java.util.concurrent.Future<?>> running = new java.util.ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                running.add(pool.submit(() -> {
                    for (int round = 0; round < 2; round++) { // the second round rewrites synced bytes
                        for (int p = writer; p < pieces; p += writers) {
                            write(store, chunk(0), (long) p * pieceBytes,
                                    Arrays.copyOfRange(expected, p * pieceBytes, (p + 1) * pieceBytes));
                        }
                    }
                    return null;
                }));
            }
            java.util.concurrent.Future<?> reader = pool.submit(() -> {
                Random random = new Random(12);
                while (!done.get()) {
                    int offset = random.nextInt(CHUNK_BYTES);
                    read(store, chunk(0), offset, 1 + random.nextInt(3 * BLOCK_BYTES)); // must never fail
                }
                return null;
            });
            java.util.concurrent.Future<?> syncer = pool.submit(() -> {
                while (!done.get()) {
                    store.sync(INODE);
                }
                return null;
            });
            for (java.util.concurrent.Future<?> writer : running) {
                writer.get();
            }
            done.set(true);
            reader.get();
            syncer.get();
        } finally {
            done.set(true);
            pool.shutdownNow();
        }
        assertArrayEquals(expected, read(store, chunk(0), 0, CHUNK_BYTES));
        assertEquals(List.of(), store.verifyChunks(INODE));
        store.close();
        store = FileChunkStore.open(dir, 0);
        assertArrayEquals(expected, read(store, chunk(0), 0, CHUNK_BYTES));
    }

    @Test
    void chunkFilesFromBeforeTheIndex_areTakenInAsTheyAre_andCheckedFromThenOn() throws Exception {
        store.close();
        Path dataNodeDir = dir.resolve("older");
        Path older = dataNodeDir.resolve(FileChunkStore.CHUNKS_DIR);
        byte[] data = random(new Random(8), 2 * BLOCK_BYTES + 7);
        Path file = ChunkFiles.chunkPath(older, chunk(3));
        Files.createDirectories(file.getParent());
        Files.write(file, data);
        Files.write(file.resolveSibling("not-a-chunk"), new byte[] {1});

        store = FileChunkStore.open(dataNodeDir, 0);
        assertEquals(data.length, store.usedBytes());
        assertArrayEquals(data, read(store, chunk(3), 0, CHUNK_BYTES));
        assertEquals(List.of(), store.verifyChunks(INODE));
        flipBit(older, chunk(3), 2 * BLOCK_BYTES);
        assertEquals(List.of(chunk(3)), store.verifyChunks(INODE));
    }

    private static ChunkId chunk(long index) {
        return new ChunkId(INODE, index);
    }
}
