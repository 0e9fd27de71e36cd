package io.mnemo.data.store;

import java.nio.ByteBuffer;

/**
 * What the index knows about one chunk besides its block checksums.
 *
 * <p>A chunk is <em>clean</em> when its bytes and its checksums are durable and agree: its length
 * equals its synced length and it is not {@code overwritten}. A write makes it unclean, and
 * {@code sync} (or recovery at startup) makes it clean again. Only unclean chunks are examined
 * after a crash; see {@link FileChunkStore} for the rule.
 *
 * @param lengthBytes one past the last byte written: the bytes of the chunk, holes included
 * @param syncedLengthBytes the length at the last sync; bytes below it were durable then
 * @param syncedTailCrc the checksum, at the last sync, of the block holding {@code syncedLengthBytes}
 *     when that length ends inside a block (0 otherwise): it still vouches for that block's synced
 *     bytes after unsynced appends to the block are lost in a crash
 * @param overwritten whether bytes below the synced length were rewritten since the last sync;
 *     recorded durably before the first such write touches the file
 */
record ChunkMeta(long lengthBytes, long syncedLengthBytes, int syncedTailCrc, boolean overwritten) {
    static final int FORMAT = 1;
    private static final int BYTES = 1 + 8 + 8 + 4 + 1;
    private static final int OVERWRITTEN = 1;

    /** A chunk about to receive its first write. */
    static final ChunkMeta EMPTY = new ChunkMeta(0, 0, 0, false);

    ChunkMeta {
        if (lengthBytes < 0 || syncedLengthBytes < 0 || syncedLengthBytes > lengthBytes) {
            throw new IllegalArgumentException("length " + lengthBytes + ", synced length " + syncedLengthBytes);
        }
    }

    /** Whether bytes or checksums may have changed since the last sync. */
    boolean unclean() {
        return lengthBytes != syncedLengthBytes || overwritten;
    }

    /** {@code [1][u64 length][u64 synced length][u32 synced tail crc][u8 flags: 1 = overwritten]}, big-endian. */
    byte[] encode() {
        return ByteBuffer.allocate(BYTES)
                .put((byte) FORMAT)
                .putLong(lengthBytes)
                .putLong(syncedLengthBytes)
                .putInt(syncedTailCrc)
                .put((byte) (overwritten ? OVERWRITTEN : 0))
                .array();
    }

    /** @throws IllegalArgumentException for bytes {@link #encode} never produces */
    static ChunkMeta decode(byte[] bytes) {
        if (bytes.length != BYTES || bytes[0] != FORMAT) {
            throw new IllegalArgumentException("not a chunk record: " + bytes.length + " bytes, format "
                    + (bytes.length == 0 ? "none" : Byte.toString(bytes[0])));
        }
        ByteBuffer in = ByteBuffer.wrap(bytes, 1, BYTES - 1);
        long length = in.getLong();
        long synced = in.getLong();
        int tail = in.getInt();
        int flags = in.get();
        if ((flags & ~OVERWRITTEN) != 0) {
            throw new IllegalArgumentException("unknown chunk flags " + flags);
        }
        return new ChunkMeta(length, synced, tail, (flags & OVERWRITTEN) != 0);
    }
}
