package io.mnemo.data.store;

import static io.mnemo.data.store.Checksums.BLOCK_BYTES;
import static io.mnemo.data.store.Checksums.ZERO_BLOCK_CRC;
import static io.mnemo.data.store.StoreFiles.blockCrc;
import static io.mnemo.data.store.StoreFiles.flipBit;
import static io.mnemo.data.store.StoreFiles.overwriteFile;
import static io.mnemo.data.store.StoreFiles.random;
import static io.mnemo.data.store.StoreFiles.read;
import static io.mnemo.data.store.StoreFiles.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.ChunkId;
import io.mnemo.core.model.InodeId;
import io.mnemo.data.CapturedLog;
import io.mnemo.data.NoLeaks;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash-consistency rule of {@link FileChunkStore}: each test leaves the index and the chunk
 * files as a crash at one moment would (written through {@link ChunkIndex} and the files
 * directly, with the boot id of this machine for "the process died" or another one for "the
 * machine restarted"), then opens the store and checks what recovery made of it. One test kills a
 * real writer JVM.
 */
@ExtendWith(NoLeaks.class)
class FileChunkStoreCrashTest {
    private static final InodeId INODE = new InodeId(42);
    private static final ChunkId CHUNK = new ChunkId(INODE, 0);
    private static final String ANOTHER_BOOT = "00000000-0000-0000-0000-000000000000";

    @TempDir
    Path dir;
    private FileChunkStore store;

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
    }

    // ------------------------------------------------------------------ the process died

    @Test
    void processDied_afterAnOverwritesChecksums_butBeforeItsBytes_keepsTheOldBytes() throws Exception {
        byte[] old = synced(BLOCK_BYTES);
        byte[] next = random(new Random(2), BLOCK_BYTES);
        crash(sameBoot(), index -> overwriteRecorded(index, BLOCK_BYTES, blockCrc(next, 0, BLOCK_BYTES), old));

        reopen();
        assertArrayEquals(old, read(store, CHUNK, 0, 2 * BLOCK_BYTES));
        assertEquals(List.of(), store.verifyChunks(INODE));
        assertClean(BLOCK_BYTES, blockCrc(old, 0, BLOCK_BYTES));
    }

    @Test
    void processDied_afterAnOverwritesBytes_keepsTheNewBytes() throws Exception {
        byte[] old = synced(BLOCK_BYTES);
        byte[] next = random(new Random(2), BLOCK_BYTES);
        crash(sameBoot(), index -> overwriteRecorded(index, BLOCK_BYTES, blockCrc(next, 0, BLOCK_BYTES), old));
        overwriteFile(chunks(), CHUNK, 0, next);

        reopen();
        assertArrayEquals(next, read(store, CHUNK, 0, 2 * BLOCK_BYTES));
        assertEquals(List.of(), store.verifyChunks(INODE));
    }

    @Test
    void processDied_inTheMiddleOfAnOverwrite_leavesTheTornBlockDamaged() throws Exception {
        byte[] old = synced(2 * BLOCK_BYTES);
        byte[] next = random(new Random(2), BLOCK_BYTES);
        crash(sameBoot(), index -> overwriteRecorded(index, 2 * BLOCK_BYTES, blockCrc(next, 0, BLOCK_BYTES), old));
        overwriteFile(chunks(), CHUNK, 0, Arrays.copyOf(next, BLOCK_BYTES / 2)); // half of it landed

        try (CapturedLog log = new CapturedLog()) {
            reopen();
            assertEquals(1, log.linesContaining("chunk 42:0: blocks [0] were being written").size(), log.lines().toString());
        }
        assertEquals(Errno.EIO, assertThrows(FsException.class, () -> read(store, CHUNK, 0, 10)).errno());
        assertArrayEquals(Arrays.copyOfRange(old, BLOCK_BYTES, 2 * BLOCK_BYTES), read(store, CHUNK, BLOCK_BYTES, BLOCK_BYTES));
        assertEquals(List.of(CHUNK), store.verifyChunks(INODE));
    }

    @Test
    void processDied_afterAnAppendsChecksums_butBeforeItsBytes_readsZerosThere() throws Exception {
        byte[] old = synced(1000);
        byte[] appended = random(new Random(3), 5000);
        byte[] whole = Arrays.copyOf(old, 6000);
        System.arraycopy(appended, 0, whole, 1000, 5000);
        crash(sameBoot(), index -> {
            try (ChunkIndex.Batch batch = index.batch()) {
                ChunkMeta meta = index.meta(CHUNK);
                batch.putBlock(CHUNK, 0, BlockCrc.pending(blockCrc(whole, 0, 6000), blockCrc(old, 0, 1000)));
                batch.putMeta(CHUNK, new ChunkMeta(6000, 1000, meta.syncedTailCrc(), false));
                index.commit(batch, true);
            }
        });

        reopen();
        // The write never reached the file; what it would have covered reads as the hole it is.
        assertArrayEquals(Arrays.copyOf(old, 6000), read(store, CHUNK, 0, 10_000));
        assertEquals(List.of(), store.verifyChunks(INODE));
    }

    // ------------------------------------------------------------------ the machine restarted

    @Test
    void machineRestarted_inTheMiddleOfAnOverwrite_keepsWhatTheDiskKept() throws Exception {
        byte[] old = synced(BLOCK_BYTES);
        byte[] next = random(new Random(2), BLOCK_BYTES);
        crash(ANOTHER_BOOT, index -> overwriteRecorded(index, BLOCK_BYTES, blockCrc(next, 0, BLOCK_BYTES), old));
        overwriteFile(chunks(), CHUNK, 0, Arrays.copyOf(next, BLOCK_BYTES / 2));
        byte[] mixed = Arrays.copyOf(next, BLOCK_BYTES);
        System.arraycopy(old, BLOCK_BYTES / 2, mixed, BLOCK_BYTES / 2, BLOCK_BYTES / 2);

        try (CapturedLog log = new CapturedLog()) {
            reopen();
            assertEquals(1, log.linesContaining("kept as the disk kept them").size(), log.lines().toString());
        }
        assertArrayEquals(mixed, read(store, CHUNK, 0, BLOCK_BYTES));
        assertEquals(List.of(), store.verifyChunks(INODE));
    }

    @Test
    void machineRestarted_afterAppendsWhoseChecksumsItLost_keepsTheAppendedBytes() throws Exception {
        byte[] old = synced(1000);
        byte[] appended = random(new Random(3), 3 * BLOCK_BYTES);
        // The log kept the new length but not the appends' checksums; the bytes reached the disk.
        crash(ANOTHER_BOOT, index -> {
            try (ChunkIndex.Batch batch = index.batch()) {
                ChunkMeta meta = index.meta(CHUNK);
                index.commit(batch.putMeta(CHUNK, new ChunkMeta(1000 + appended.length, 1000, meta.syncedTailCrc(), false)),
                        true);
            }
        });
        overwriteFile(chunks(), CHUNK, 1000, appended);

        reopen();
        byte[] whole = Arrays.copyOf(old, 1000 + appended.length);
        System.arraycopy(appended, 0, whole, 1000, appended.length);
        assertArrayEquals(whole, read(store, CHUNK, 0, 4 * BLOCK_BYTES));
        assertEquals(List.of(), store.verifyChunks(INODE));
    }

    @Test
    void machineRestarted_withTheIndexAheadOfTheBytes_readsZerosWhereTheBytesWereLost() throws Exception {
        byte[] old = synced(1000);
        byte[] lost = random(new Random(3), 2 * BLOCK_BYTES);
        byte[] whole = Arrays.copyOf(old, 1000 + lost.length);
        System.arraycopy(lost, 0, whole, 1000, lost.length);
        crash(ANOTHER_BOOT, index -> {
            try (ChunkIndex.Batch batch = index.batch()) {
                ChunkMeta meta = index.meta(CHUNK);
                batch.putBlock(CHUNK, 0, BlockCrc.pending(blockCrc(whole, 0, BLOCK_BYTES), blockCrc(old, 0, 1000)));
                batch.putBlock(CHUNK, 1, BlockCrc.pending(blockCrc(whole, BLOCK_BYTES, BLOCK_BYTES), ZERO_BLOCK_CRC));
                batch.putBlock(CHUNK, 2, BlockCrc.pending(blockCrc(whole, 2 * BLOCK_BYTES, 1000), ZERO_BLOCK_CRC));
                batch.putMeta(CHUNK, new ChunkMeta(whole.length, 1000, meta.syncedTailCrc(), false));
                index.commit(batch, true);
            }
        });

        reopen();
        assertArrayEquals(Arrays.copyOf(old, whole.length), read(store, CHUNK, 0, 4 * BLOCK_BYTES));
        assertEquals(List.of(), store.verifyChunks(INODE));
    }

    @Test
    void machineRestarted_withSyncedBytesChangedUnderAnAppend_marksTheBlockDamaged() throws Exception {
        byte[] old = synced(1000);
        byte[] appended = random(new Random(3), 500);
        crash(ANOTHER_BOOT, index -> {
            try (ChunkIndex.Batch batch = index.batch()) {
                ChunkMeta meta = index.meta(CHUNK);
                index.commit(batch.putMeta(CHUNK, new ChunkMeta(1500, 1000, meta.syncedTailCrc(), false)), true);
            }
        });
        overwriteFile(chunks(), CHUNK, 1000, appended);
        flipBit(chunks(), CHUNK, 10); // a synced byte

        try (CapturedLog log = new CapturedLog()) {
            reopen();
            assertEquals(1, log.linesContaining("no longer hold the bytes they had at their last sync").size(),
                    log.lines().toString());
        }
        assertEquals(Errno.EIO, assertThrows(FsException.class, () -> read(store, CHUNK, 0, 10)).errno());
        assertEquals(List.of(CHUNK), store.verifyChunks(INODE));
    }

    @Test
    void bytesPastAChunksLength_fromAppendsACrashForgot_neverShowThroughAHole() throws Exception {
        byte[] old = synced(1000);
        overwriteFile(chunks(), CHUNK, 1000, random(new Random(4), 3000)); // the index never heard of these
        reopen();

        assertArrayEquals(old, read(store, CHUNK, 0, 10_000));
        write(store, CHUNK, 5000, new byte[] {7});
        byte[] expected = Arrays.copyOf(old, 5001);
        expected[5000] = 7;
        assertArrayEquals(expected, read(store, CHUNK, 0, 10_000));
        assertEquals(List.of(), store.verifyChunks(INODE));
    }

    // ------------------------------------------------------------------ a real crash

    @Test
    void aWriterKilledMidStream_losesNothingItWrote_andNothingReadsAsDamaged() throws Exception {
        int haltInChunk = 7;
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        String java = ProcessHandle.current().info().command().orElse("java");
        Process writer = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", classpath,
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", CrashingWriter.class.getName(), dir.toString(),
                Integer.toString(haltInChunk))
                .redirectErrorStream(true).redirectOutput(dir.resolve("writer.log").toFile()).start();
        if (!writer.waitFor(120, TimeUnit.SECONDS)) {
            writer.destroyForcibly();
            throw new AssertionError("the writer did not halt in time");
        }
        String output = Files.readString(dir.resolve("writer.log"), StandardCharsets.UTF_8);
        assertEquals(0, writer.exitValue(), output);
        assertEquals("halting", output.strip().lines().reduce((a, b) -> b).orElse(""), output);

        reopen();
        for (int i = 0; i <= haltInChunk; i++) {
            byte[] expected = CrashingWriter.content(i);
            if (i < haltInChunk - 1) {
                System.arraycopy(CrashingWriter.rewrite(i), 0, expected, CrashingWriter.REWRITE_FROM,
                        CrashingWriter.REWRITE_BYTES);
            }
            if (i == haltInChunk) {
                expected = Arrays.copyOf(expected, CrashingWriter.CHUNK_BYTES / 2);
            }
            ChunkId chunk = new ChunkId(CrashingWriter.INODE, i);
            assertArrayEquals(expected, read(store, chunk, 0, 2 * CrashingWriter.CHUNK_BYTES), chunk.toString());
        }
        assertEquals(List.of(), store.verifyChunks(CrashingWriter.INODE));
        assertEquals(0, read(store, new ChunkId(CrashingWriter.INODE, haltInChunk + 1), 0, 10).length);
    }

    // ------------------------------------------------------------------ helpers

    /** A chunk of {@code length} random bytes, written and synced; the store is closed after. */
    private byte[] synced(int length) throws FsException {
        byte[] data = random(new Random(1), length);
        store = FileChunkStore.open(dir, 0);
        write(store, CHUNK, 0, data);
        store.sync(INODE);
        store.close();
        store = null;
        return data;
    }

    /** The first block being overwritten with bytes summing to {@code crc}: what the write records before its bytes. */
    private static void overwriteRecorded(ChunkIndex index, int length, int crc, byte[] old) throws FsException {
        try (ChunkIndex.Batch batch = index.batch()) {
            ChunkMeta meta = index.meta(CHUNK);
            batch.putBlock(CHUNK, 0, BlockCrc.pending(crc, blockCrc(old, 0, Math.min(BLOCK_BYTES, old.length))));
            batch.putMeta(CHUNK, new ChunkMeta(length, meta.syncedLengthBytes(), meta.syncedTailCrc(), true));
            index.commit(batch, true);
        }
    }

    @FunctionalInterface
    private interface IndexChange {
        void apply(ChunkIndex index) throws FsException;
    }

    /** Changes the closed store's index as a crash would have left it, last started on {@code bootId}. */
    private void crash(String bootId, IndexChange change) throws FsException {
        try (ChunkIndex index = ChunkIndex.open(dir.resolve(FileChunkStore.INDEX_DIR), 64 * 1024)) {
            change.apply(index);
            index.recordBootId(bootId);
        }
    }

    private static String sameBoot() {
        String boot = ChunkRecovery.currentBootId();
        org.junit.jupiter.api.Assumptions.assumeTrue(boot != null, "this machine has no boot id");
        return boot;
    }

    private void reopen() throws FsException {
        store = FileChunkStore.open(dir, 0);
    }

    private Path chunks() {
        return dir.resolve(FileChunkStore.CHUNKS_DIR);
    }

    /** After recovery: the chunk clean at {@code length}, with block 0 verified as {@code crc}. */
    private void assertClean(long length, int crc) throws FsException {
        store.close();
        store = null;
        try (ChunkIndex index = ChunkIndex.open(dir.resolve(FileChunkStore.INDEX_DIR), 64 * 1024)) {
            ChunkMeta meta = index.meta(CHUNK);
            assertEquals(length, meta.lengthBytes());
            assertFalse(meta.unclean());
            assertEquals(BlockCrc.verified(crc), index.block(CHUNK, 0));
        }
        reopen();
    }
}
