package io.mnemo.data.store;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * The geometry and arithmetic of chunk checksums: a chunk is cut into {@value #BLOCK_BYTES}-byte
 * blocks, and each block's checksum is the CRC32C of its bytes <em>padded with zeros to the full
 * block</em>, whatever the chunk's length.
 *
 * <p>The padding is what keeps writes cheap: bytes past a chunk's length read as zeros, so a write
 * that extends the chunk leaves the checksum of its old last block as it was, and a block that
 * was never written (a hole) has the checksum of zeros and needs no entry at all.
 */
final class Checksums {
    static final int BLOCK_BYTES = 64 * 1024;
    private static final byte[] ZEROS = new byte[BLOCK_BYTES];
    /** The checksum of a block of zeros: a hole, or a block with no entry. */
    static final int ZERO_BLOCK_CRC = crcOf(new byte[BLOCK_BYTES], BLOCK_BYTES);

    private Checksums() {}

    /** The block holding byte {@code offsetBytes}. */
    static int blockOf(long offsetBytes) {
        return Math.toIntExact(offsetBytes / BLOCK_BYTES);
    }

    /** How many blocks a chunk of {@code lengthBytes} has: its last one may be partial. */
    static int blockCount(long lengthBytes) {
        return Math.toIntExact((lengthBytes + BLOCK_BYTES - 1) / BLOCK_BYTES);
    }

    static long blockStart(int block) {
        return (long) block * BLOCK_BYTES;
    }

    /** The bytes of {@code block} inside a chunk of {@code lengthBytes}: a full block but perhaps the last. */
    static int presentBytes(int block, long lengthBytes) {
        return (int) Math.max(0, Math.min(BLOCK_BYTES, lengthBytes - blockStart(block)));
    }

    /** The checksum of a block whose first {@code presentBytes} bytes are {@code bytes}'s and the rest zeros. */
    static int crcOf(byte[] bytes, int presentBytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, 0, presentBytes);
        return padded(crc, presentBytes);
    }

    /** The checksum of a block whose first {@code lengthBytes} bytes are {@code buffer}'s from {@code index}. */
    static int crcOf(ByteBuf buffer, int index, int lengthBytes) {
        CRC32C crc = new CRC32C();
        if (buffer.nioBufferCount() == 1) {
            crc.update(buffer.nioBuffer(index, lengthBytes));
        } else {
            for (ByteBuffer piece : buffer.nioBuffers(index, lengthBytes)) {
                crc.update(piece);
            }
        }
        return padded(crc, lengthBytes);
    }

    /** Finishes a block's checksum after its first {@code presentBytes} bytes: the rest are zeros. */
    private static int padded(CRC32C crc, int presentBytes) {
        crc.update(ZEROS, 0, BLOCK_BYTES - presentBytes);
        return (int) crc.getValue();
    }

    static String hex(int crc) {
        return String.format("%08x", crc);
    }
}
