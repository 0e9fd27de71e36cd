package io.mnemo.data.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.ChunkId;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.model.Layout;
import io.mnemo.core.net.BufferPool;
import io.mnemo.data.NoLeaks;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(NoLeaks.class)
class FileChunkStoreTest {
    private static final InodeId INODE = new InodeId(0x2A);
    private static final InodeId OTHER = new InodeId(0x2B);

    @TempDir
    Path dir;
    private FileChunkStore store;

    @BeforeEach
    void open() throws FsException {
        store = FileChunkStore.open(dir, 0);
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void write_thenRead_returnsTheBytesAtTheirOffsets() throws FsException {
        write(chunk(0), 0, bytes("hello"));
        write(chunk(0), 5, bytes(", world"));
        write(chunk(0), 7, bytes("W"));

        assertEquals("hello, World", text(read(chunk(0), 0, 100)));
        assertEquals("World", text(read(chunk(0), 7, 5)));
        assertEquals("lo", text(read(chunk(0), 3, 2)));
    }

    @Test
    void write_pastTheEnd_leavesAHoleThatReadsAsZeros() throws FsException {
        write(chunk(3), 100_000, bytes("abc"));

        byte[] all = read(chunk(3), 0, 200_000);
        assertEquals(100_003, all.length);
        assertArrayEquals(new byte[100_000], Arrays.copyOf(all, 100_000));
        assertEquals("abc", text(Arrays.copyOfRange(all, 100_000, 100_003)));
    }

    @Test
    void aLargeUnalignedWrite_goesDirectInItsMiddle_andReadsBack_alsoAfterSmallOverwritesAndAReopen()
            throws FsException {
        byte[] data = new byte[3 * 1024 * 1024 + 123];
        new Random(7).nextBytes(data);
        write(chunk(0), 1000, data); // edges through the page cache, the aligned middle with O_DIRECT
        assertTrue(store.directBytes() >= 3 * 1024 * 1024 - 4096, "written directly: " + store.directBytes());
        assertArrayEquals(data, read(chunk(0), 1000, data.length));

        byte[] patch = bytes("patched");
        write(chunk(0), 1000 + 2_000_000, patch); // a buffered write over directly written bytes
        System.arraycopy(patch, 0, data, 2_000_000, patch.length);
        assertArrayEquals(data, read(chunk(0), 1000, data.length));

        store.sync(INODE);
        store.close();
        store = FileChunkStore.open(dir, 0);
        assertArrayEquals(data, read(chunk(0), 1000, data.length));
        assertEquals(List.of(), store.verifyChunks(INODE));
    }

    @Test
    void smallReads_goDirect_andSeeWritesStillInThePageCache() throws FsException {
        int block = 64 * 1024;
        byte[] data = new byte[3 * block + 1000]; // written through the page cache: too small to go direct
        new Random(5).nextBytes(data);
        write(chunk(0), 0, data);
        long before = store.directReads();

        assertArrayEquals(Arrays.copyOfRange(data, 70_000, 70_100), read(chunk(0), 70_000, 100));
        assertArrayEquals(Arrays.copyOfRange(data, 3 * block, data.length), read(chunk(0), 3 * block, 5000));
        byte[] patch = bytes("patched");
        write(chunk(0), 2 * block + 10, patch);
        System.arraycopy(patch, 0, data, 2 * block + 10, patch.length);
        assertArrayEquals(data, read(chunk(0), 0, data.length));
        assertEquals(before + 3, store.directReads());

        byte[] large = new byte[512 * 1024];
        write(chunk(1), 0, large);
        assertArrayEquals(large, read(chunk(1), 0, large.length));
        assertEquals(before + 3, store.directReads(), "a large read goes through the page cache");
    }

    @Test
    void reads_useBuffersOfItsPoolAgain_andGiveThemBack() throws FsException {
        store.close();
        BufferPool pool = new BufferPool(64 << 20);
        store = FileChunkStore.open(dir.resolve(FileChunkStore.CHUNKS_DIR), dir.resolve(FileChunkStore.INDEX_DIR), 0,
                FileChunkStore.DEFAULT_OPEN_FILES, pool);
        int mib = 1 << 20;
        byte[] data = new byte[2 * mib];
        new Random(3).nextBytes(data);
        write(chunk(0), 0, data);
        for (int offset = 100_000; offset <= 500_000; offset += 100_000) { // 17 blocks each, unaligned
            assertArrayEquals(Arrays.copyOfRange(data, offset, offset + mib), read(chunk(0), offset, mib));
        }
        assertEquals(1, pool.allocations(), "one buffer served five reads");
        assertEquals(2 * mib, pool.idleBytes(), "the class of 17 blocks");
        for (int offset = 0; offset < 4 * 64 * 1024; offset += 64 * 1024) { // small reads, direct
            assertArrayEquals(Arrays.copyOfRange(data, offset + 10, offset + 20), read(chunk(0), offset + 10, 10));
        }
        assertEquals(2, pool.allocations(), "and one the four small reads");

        ByteBuf held = store.read(chunk(0), 50_000, mib);
        try {
            assertEquals(64 * 1024, pool.idleBytes(), "a read holds its buffer until released");
        } finally {
            held.release();
        }
        assertEquals(2 * mib + 64 * 1024, pool.idleBytes());
    }

    @Test
    void read_ofAMissingChunk_isEmpty() throws FsException {
        assertEquals(0, read(chunk(9), 0, 4096).length);
        assertEquals(0, read(new ChunkId(OTHER, 0), 1_000, 10).length);
    }

    @Test
    void read_atOrPastTheEnd_isEmpty_andAcrossTheEnd_isShort() throws FsException {
        write(chunk(0), 0, bytes("0123456789"));

        assertEquals(0, read(chunk(0), 10, 5).length);
        assertEquals(0, read(chunk(0), 1_000_000, 5).length);
        assertEquals("789", text(read(chunk(0), 7, 1_000)));
        assertEquals(0, read(chunk(0), 3, 0).length);
    }

    @Test
    void write_leavesTheCallersBufferAsItWas() throws FsException {
        ByteBuf data = Unpooled.copiedBuffer(bytes("abcdef"));
        try {
            data.skipBytes(2);
            store.write(chunk(0), 0, data);
            assertEquals(2, data.readerIndex());
            assertEquals(1, data.refCnt());
        } finally {
            data.release();
        }
        assertEquals("cdef", text(read(chunk(0), 0, 10)));
    }

    @Test
    void write_ofABufferInSeveralPieces_writesThemInOrder() throws FsException {
        CompositeByteBuf data = PooledByteBufAllocator.DEFAULT.compositeDirectBuffer();
        try {
            for (String piece : List.of("one ", "two ", "three")) {
                ByteBuf component = PooledByteBufAllocator.DEFAULT.directBuffer();
                component.writeBytes(bytes(piece));
                data.addComponent(true, component);
            }
            store.write(chunk(1), 10, data);
        } finally {
            data.release();
        }
        assertEquals("one two three", text(read(chunk(1), 10, 100)));
    }

    @Test
    void chunks_areFilesNamedByInodeInHexAndIndex() throws FsException {
        write(new ChunkId(new InodeId(0xABCDEFL), 12), 0, bytes("x"));

        assertTrue(Files.isRegularFile(dir.resolve("chunks").resolve("0000000000abcdef").resolve("12")));
    }

    @Test
    void truncateChunks_cutsTheChunkAndRemovesEveryHigherOne() throws FsException {
        for (int i = 0; i < 4; i++) {
            write(chunk(i), 0, new byte[1000]);
        }
        write(new ChunkId(OTHER, 2), 0, new byte[1000]);

        store.truncateChunks(INODE, 1, 10);

        assertEquals(1000, read(chunk(0), 0, 2000).length);
        assertEquals(10, read(chunk(1), 0, 2000).length);
        assertEquals(0, read(chunk(2), 0, 2000).length);
        assertEquals(0, read(chunk(3), 0, 2000).length);
        assertEquals(1000, read(new ChunkId(OTHER, 2), 0, 2000).length);
        assertEquals(1000 + 10 + 1000, store.usedBytes());
    }

    @Test
    void truncateChunks_neverExtends_andToZeroRemovesTheChunk() throws FsException {
        write(chunk(0), 0, new byte[100]);
        write(chunk(1), 0, new byte[100]);

        store.truncateChunks(INODE, 1, 5_000);
        assertEquals(100, read(chunk(1), 0, 10_000).length);

        store.truncateChunks(INODE, 1, 0);
        assertFalse(Files.exists(dir.resolve("chunks").resolve("000000000000002a").resolve("1")));
        assertEquals(100, read(chunk(0), 0, 10_000).length);
        assertEquals(100, store.usedBytes());
    }

    @Test
    void truncateChunks_thenWrite_growsTheChunkAgain() throws FsException {
        write(chunk(0), 0, bytes("0123456789"));
        store.truncateChunks(INODE, 0, 4);
        write(chunk(0), 6, bytes("xy"));

        assertArrayEquals(new byte[] {'0', '1', '2', '3', 0, 0, 'x', 'y'}, read(chunk(0), 0, 100));
        assertEquals(8, store.usedBytes());
    }

    @Test
    void deleteChunks_removesEveryChunkOfTheInodeAndOnlyThose() throws FsException {
        write(chunk(0), 0, new byte[300]);
        write(chunk(7), 0, new byte[300]);
        write(new ChunkId(OTHER, 0), 0, new byte[50]);

        store.deleteChunks(INODE);

        assertEquals(0, read(chunk(0), 0, 1000).length);
        assertEquals(0, read(chunk(7), 0, 1000).length);
        assertFalse(Files.exists(dir.resolve("chunks").resolve("000000000000002a")));
        assertEquals(50, store.usedBytes());
        store.deleteChunks(INODE); // nothing left: not an error
        write(chunk(0), 0, bytes("again"));
        assertEquals("again", text(read(chunk(0), 0, 100)));
    }

    @Test
    void usedBytes_countsChunkLengths_andIsTheSameAfterRestart() throws FsException {
        assertEquals(0, store.usedBytes());
        write(chunk(0), 0, new byte[4096]);
        write(chunk(0), 1024, new byte[1024]);   // inside: nothing more
        write(chunk(1), 10_000, new byte[100]);  // hole counted: the length is 10 100
        write(new ChunkId(OTHER, 5), 0, new byte[7]);
        store.truncateChunks(OTHER, 5, 3);
        long expected = 4096 + 10_100 + 3;
        assertEquals(expected, store.usedBytes());

        store.close();
        store = FileChunkStore.open(dir, 0);

        assertEquals(expected, store.usedBytes());
        store.deleteChunks(INODE);
        assertEquals(3, store.usedBytes());
    }

    @Test
    void capacity_isTheConfiguredOne_orTheDisksSize() throws FsException {
        assertTrue(store.capacityBytes() > 0);
        try (FileChunkStore small = FileChunkStore.open(dir.resolve("small"), 12345)) {
            assertEquals(12345, small.capacityBytes());
        }
    }

    @Test
    void write_pastTheCapacity_failsWithEnospc_butOverwritesStillWork() throws FsException {
        try (FileChunkStore small = FileChunkStore.open(dir.resolve("small"), 1000)) {
            write(small, chunk(0), 0, new byte[800]);

            FsException full = assertThrows(FsException.class, () -> write(small, chunk(1), 0, new byte[300]));
            assertEquals(Errno.ENOSPC, full.errno());

            write(small, chunk(0), 0, new byte[800]);
            write(small, chunk(0), 800, new byte[200]);
            assertEquals(1000, small.usedBytes());
        }
    }

    @Test
    void ranges_outsideAChunk_areInvalid() {
        assertEquals(Errno.EINVAL, assertThrows(FsException.class, () -> write(chunk(0), -1, bytes("x"))).errno());
        assertEquals(Errno.EINVAL,
                assertThrows(FsException.class, () -> write(chunk(0), Layout.MAX_CHUNK_SIZE, bytes("x"))).errno());
        assertEquals(Errno.EINVAL, assertThrows(FsException.class, () -> read(chunk(0), Long.MIN_VALUE, 1)).errno());
        assertEquals(Errno.EINVAL, assertThrows(FsException.class, () -> read(chunk(0), 0, -1)).errno());
        assertEquals(Errno.EINVAL, assertThrows(FsException.class, () -> store.truncateChunks(INODE, -1, 0)).errno());
    }

    @Test
    void concurrentWriters_toDisjointRangesOfOneChunk_allLand() throws Exception {
        int writers = 8;
        int piecesEach = 16;
        int pieceBytes = 64 * 1024;
        byte[] expected = new byte[writers * piecesEach * pieceBytes];
        new Random(7).nextBytes(expected);
        CyclicBarrier start = new CyclicBarrier(writers);
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int writer = w;
                done.add(pool.submit(() -> {
                    start.await();
                    // Interleaved: writer w owns pieces w, w + writers, w + 2 * writers, ...
                    for (int p = piecesEach - 1; p >= 0; p--) {
                        int offset = (p * writers + writer) * pieceBytes;
                        write(chunk(0), offset, Arrays.copyOfRange(expected, offset, offset + pieceBytes));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertArrayEquals(expected, read(chunk(0), 0, expected.length + 1));
        assertEquals(expected.length, store.usedBytes());
    }

    @Test
    void moreChunksThanOpenFiles_allStayReadableAndWritable() throws FsException {
        try (FileChunkStore few = FileChunkStore.open(dir.resolve("few/chunks"), dir.resolve("few/index"), 0, 3)) {
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < 40; i++) {
                    write(few, chunk(i), round * 4, bytes(String.format("%04d", i)));
                }
            }
            for (int i = 0; i < 40; i++) {
                String id = String.format("%04d", i);
                ByteBuf b = few.read(chunk(i), 0, 100);
                try {
                    assertEquals(id + id, b.toString(java.nio.charset.StandardCharsets.US_ASCII));
                } finally {
                    b.release();
                }
            }
            assertEquals(40 * 8, few.usedBytes());
        }
    }

    @Test
    void sync_flushesWhatWasWritten_evenAfterItsFileWasClosed() throws FsException {
        try (FileChunkStore few = FileChunkStore.open(dir.resolve("few/chunks"), dir.resolve("few/index"), 0, 1)) {
            write(few, chunk(0), 0, bytes("a"));
            write(few, chunk(1), 0, bytes("b")); // closes chunk 0's file
            few.truncateChunks(INODE, 0, 1);
            few.sync(INODE);
            few.sync(INODE); // nothing new
            few.sync(OTHER); // never written
        }
    }

    @Test
    void aClosedStore_failsWithEio() {
        store.close();
        assertEquals(Errno.EIO, assertThrows(FsException.class, () -> write(chunk(0), 0, bytes("x"))).errno());
    }

    // ------------------------------------------------------------------ helpers

    private static ChunkId chunk(long index) {
        return new ChunkId(INODE, index);
    }

    private void write(ChunkId chunk, long offset, byte[] data) throws FsException {
        write(store, chunk, offset, data);
    }

    private static void write(ChunkStore store, ChunkId chunk, long offset, byte[] data) throws FsException {
        ByteBuf buffer = Unpooled.wrappedBuffer(data);
        try {
            store.write(chunk, offset, buffer);
        } finally {
            buffer.release();
        }
    }

    private byte[] read(ChunkId chunk, long offset, int length) throws FsException {
        ByteBuf buffer = store.read(chunk, offset, length);
        try {
            return ByteBufUtil.getBytes(buffer);
        } finally {
            buffer.release();
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }

    private static String text(byte[] bytes) {
        return new String(bytes, java.nio.charset.StandardCharsets.US_ASCII);
    }
}
