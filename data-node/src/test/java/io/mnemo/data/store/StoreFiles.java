package io.mnemo.data.store;

import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import io.mnemo.core.error.FsException;
import io.mnemo.core.model.ChunkId;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/** What the store tests do to stores and to the files under them, behind the store's back. */
final class StoreFiles {
    private StoreFiles() {}

    static void write(ChunkStore store, ChunkId chunk, long offset, byte[] data) throws FsException {
        ByteBuf buffer = Unpooled.wrappedBuffer(data);
        try {
            store.write(chunk, offset, buffer);
        } finally {
            buffer.release();
        }
    }

    static byte[] read(ChunkStore store, ChunkId chunk, long offset, int length) throws FsException {
        ByteBuf buffer = store.read(chunk, offset, length);
        try {
            return ByteBufUtil.getBytes(buffer);
        } finally {
            buffer.release();
        }
    }

    /** Inverts one bit of the byte at {@code offset} of a chunk file: what a bad disk does. */
    static void flipBit(Path chunksDir, ChunkId chunk, long offset) throws IOException {
        try (FileChannel file = FileChannel.open(ChunkFiles.chunkPath(chunksDir, chunk), READ, WRITE)) {
            ByteBuffer one = ByteBuffer.allocate(1);
            if (file.read(one, offset) != 1) {
                throw new IOException("no byte at " + offset + " of " + chunk);
            }
            one.put(0, (byte) (one.get(0) ^ 0x10)).rewind();
            file.write(one, offset);
        }
    }

    /** Writes {@code data} at {@code offset} of a chunk file, behind the store's back. */
    static void overwriteFile(Path chunksDir, ChunkId chunk, long offset, byte[] data) throws IOException {
        try (FileChannel file = FileChannel.open(ChunkFiles.chunkPath(chunksDir, chunk), READ, WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(data);
            while (buffer.hasRemaining()) {
                file.write(buffer, offset + buffer.position());
            }
        }
    }

    /** The checksum of a block holding {@code bytes[from, from + length)} and zeros after, computed here independently. */
    static int blockCrc(byte[] bytes, int from, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, from, length);
        crc.update(new byte[Checksums.BLOCK_BYTES - length]);
        return (int) crc.getValue();
    }

    /** Kilobytes the file system really allocates under {@code dir}, as {@code du -sk} says. */
    static long diskUsageKib(Path dir) throws IOException, InterruptedException {
        Process du = new ProcessBuilder("du", "-sk", dir.toString()).redirectErrorStream(true).start();
        String out = new String(du.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (du.waitFor() != 0) {
            throw new IOException("du failed: " + out);
        }
        return Long.parseLong(out.trim().split("\\s+")[0]);
    }

    static byte[] random(java.util.Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }
}
