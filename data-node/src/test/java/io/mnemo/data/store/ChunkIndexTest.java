package io.mnemo.data.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mnemo.core.error.FsException;
import io.mnemo.core.model.ChunkId;
import io.mnemo.core.model.InodeId;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The index's codecs (round trips and golden bytes), keys, and batches on a real RocksDB. */
class ChunkIndexTest {
    private static final InodeId INODE = new InodeId(0x2A);
    private static final HexFormat HEX = HexFormat.of();

    @TempDir
    Path dir;
    private ChunkIndex index;

    @BeforeEach
    void open() throws FsException {
        index = ChunkIndex.open(dir, 64 * 1024);
    }

    @AfterEach
    void close() {
        index.close();
    }

    // ------------------------------------------------------------------ codecs

    @Test
    void chunkMeta_goldenBytes_andRoundTrip() {
        ChunkMeta meta = new ChunkMeta(70_000, 65_536, 0xCAFEBABE, true);
        assertEquals("01" + "0000000000011170" + "0000000000010000" + "cafebabe" + "01", HEX.formatHex(meta.encode()));
        assertEquals(meta, ChunkMeta.decode(meta.encode()));
        ChunkMeta clean = new ChunkMeta(5, 5, 0, false);
        assertEquals("01" + "0000000000000005" + "0000000000000005" + "00000000" + "00", HEX.formatHex(clean.encode()));
        assertEquals(clean, ChunkMeta.decode(clean.encode()));
        assertFalse(clean.unclean());
        assertTrue(meta.unclean());
        assertTrue(new ChunkMeta(6, 5, 0, false).unclean());
    }

    @Test
    void chunkMeta_refusesBytesItNeverWrites() {
        assertThrows(IllegalArgumentException.class, () -> ChunkMeta.decode(new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> ChunkMeta.decode(HEX.parseHex(
                "02" + "0000000000000005" + "0000000000000005" + "00000000" + "00")));
        assertThrows(IllegalArgumentException.class, () -> ChunkMeta.decode(HEX.parseHex(
                "01" + "0000000000000005" + "0000000000000005" + "00000000" + "04")));
        // A synced length past the length is no chunk.
        assertThrows(IllegalArgumentException.class, () -> ChunkMeta.decode(HEX.parseHex(
                "01" + "0000000000000005" + "0000000000000006" + "00000000" + "00")));
    }

    @Test
    void blockCrc_goldenBytes_andRoundTrip() {
        BlockCrc verified = BlockCrc.verified(0x12345678);
        BlockCrc pending = BlockCrc.pending(0x12345678, 0x9ABCDEF0);
        assertEquals("010012345678", HEX.formatHex(verified.encode()));
        assertEquals("0101123456789abcdef0", HEX.formatHex(pending.encode()));
        assertEquals("0102", HEX.formatHex(BlockCrc.DAMAGED.encode()));
        for (BlockCrc crc : List.of(verified, pending, BlockCrc.DAMAGED)) {
            assertEquals(crc, BlockCrc.decode(crc.encode()));
        }
        assertThrows(IllegalArgumentException.class, () -> BlockCrc.decode(HEX.parseHex("0100123456")));
        assertThrows(IllegalArgumentException.class, () -> BlockCrc.decode(HEX.parseHex("0103")));
        assertThrows(IllegalArgumentException.class, () -> BlockCrc.decode(HEX.parseHex("020012345678")));
    }

    @Test
    void blockCrc_matchesOnlyItsCrc_andNeverWhenDamaged() {
        assertTrue(BlockCrc.pending(7, 9).matches(7));
        assertFalse(BlockCrc.pending(7, 9).matches(9)); // the before-checksum is for crash recovery only
        assertFalse(BlockCrc.DAMAGED.matches(0));
    }

    @Test
    void keys_areBigEndian_soByteOrderIsNumericOrder() {
        ChunkId chunk = new ChunkId(INODE, 3);
        assertEquals("000000000000002a" + "0000000000000003", HEX.formatHex(ChunkIndex.chunkKey(chunk)));
        assertEquals("000000000000002a" + "0000000000000003" + "00000005", HEX.formatHex(ChunkIndex.blockKey(chunk, 5)));
        assertArrayEquals(HEX.parseHex("000000000000002b"), ChunkIndex.successor(ChunkIndex.inodeKey(INODE)));
        assertArrayEquals(HEX.parseHex("00000000000001" + "00"), ChunkIndex.successor(HEX.parseHex("00000000000000ff")));
    }

    @Test
    void checksums_ofAPartialBlock_arePaddedWithZeros() {
        byte[] block = new byte[Checksums.BLOCK_BYTES];
        block[0] = 'a';
        CRC32C crc = new CRC32C();
        crc.update(block);
        assertEquals((int) crc.getValue(), Checksums.crcOf(new byte[] {'a'}, 1));
        assertEquals(Checksums.crcOf(new byte[Checksums.BLOCK_BYTES], 0), Checksums.ZERO_BLOCK_CRC);
        assertEquals(2, Checksums.blockCount(Checksums.BLOCK_BYTES + 1));
        assertEquals(1, Checksums.presentBytes(1, Checksums.BLOCK_BYTES + 1));
        assertEquals(0, Checksums.presentBytes(2, Checksums.BLOCK_BYTES + 1));
    }

    // ------------------------------------------------------------------ the database

    @Test
    void batches_writeAtomically_andReadBack() throws FsException {
        ChunkId chunk = new ChunkId(INODE, 1);
        try (ChunkIndex.Batch batch = index.batch()) {
            batch.putMeta(chunk, new ChunkMeta(200_000, 0, 0, false))
                    .putBlock(chunk, 0, BlockCrc.verified(10))
                    .putBlock(chunk, 2, BlockCrc.pending(12, 2))
                    .putBlock(chunk, 3, BlockCrc.DAMAGED);
            index.commit(batch, false);
        }
        assertEquals(new ChunkMeta(200_000, 0, 0, false), index.meta(chunk));
        BlockCrc[] blocks = index.blocks(chunk, 0, 5);
        assertEquals(BlockCrc.verified(10), blocks[0]);
        assertNull(blocks[1]);
        assertEquals(BlockCrc.pending(12, 2), blocks[2]);
        assertEquals(BlockCrc.DAMAGED, blocks[3]);
        assertNull(blocks[4]);
        assertEquals(BlockCrc.pending(12, 2), index.block(chunk, 2));
        assertNull(index.meta(new ChunkId(INODE, 0)));
        assertEquals(0, index.blocks(chunk, 3, 3).length);
    }

    @Test
    void deletes_takeExactlyTheirRange() throws FsException {
        InodeId other = new InodeId(INODE.value() + 1);
        for (InodeId inode : List.of(INODE, other)) {
            for (long i = 0; i < 4; i++) {
                ChunkId chunk = new ChunkId(inode, i);
                try (ChunkIndex.Batch batch = index.batch()) {
                    batch.putMeta(chunk, new ChunkMeta(i + 1, 0, 0, false));
                    for (int b = 0; b < 3; b++) {
                        batch.putBlock(chunk, b, BlockCrc.verified(b));
                    }
                    index.commit(batch, false);
                }
            }
        }
        try (ChunkIndex.Batch batch = index.batch()) {
            index.commit(batch.deleteChunksFrom(INODE, 2).deleteBlocksFrom(new ChunkId(INODE, 1), 1), true);
        }

        assertEquals(List.of(0L, 1L), List.copyOf(index.chunksOf(INODE).keySet()));
        assertEquals(4, index.chunksOf(other).size());
        assertNull(index.blocks(new ChunkId(INODE, 2), 0, 3)[0]);
        BlockCrc[] cut = index.blocks(new ChunkId(INODE, 1), 0, 3);
        assertEquals(BlockCrc.verified(0), cut[0]);
        assertNull(cut[1]);
        assertEquals(BlockCrc.verified(2), index.blocks(new ChunkId(INODE, 0), 0, 3)[2]);
        assertEquals(BlockCrc.verified(2), index.blocks(new ChunkId(other, 3), 0, 3)[2]);

        List<ChunkId> all = new ArrayList<>();
        index.forEachChunk((chunk, meta) -> all.add(chunk));
        assertEquals(6, all.size());
        assertEquals(new ChunkId(INODE, 0), all.get(0));
    }

    @Test
    void sysCells_andEverything_surviveReopening() throws FsException {
        assertFalse(index.formatted());
        assertNull(index.bootId());
        index.markFormatted();
        index.recordBootId("boot-1");
        try (ChunkIndex.Batch batch = index.batch()) {
            index.commit(batch.putMeta(new ChunkId(INODE, 9), new ChunkMeta(1, 1, 0, false)), false);
        }
        index.close();
        index = ChunkIndex.open(dir, 64 * 1024);

        assertTrue(index.formatted());
        assertEquals("boot-1", index.bootId());
        assertEquals(new ChunkMeta(1, 1, 0, false), index.meta(new ChunkId(INODE, 9)));
    }
}
