package io.mnemo.data.store;

import java.nio.ByteBuffer;

/**
 * The checksum entry of one block (see {@link Checksums} for what is summed).
 *
 * @param state {@code VERIFIED}: the block's bytes are those {@code crc} sums. {@code PENDING}: the
 *     same, written since the chunk's last sync; {@code beforeCrc} sums the bytes the block held
 *     before that write, which a crash in the middle of the write may have left in place.
 *     {@code DAMAGED}: the block's bytes are known bad and no checksum vouches for them.
 * @param crc the checksum every read checks (unused when damaged)
 * @param beforeCrc only for pending blocks, and only read by crash recovery
 */
record BlockCrc(State state, int crc, int beforeCrc) {
    enum State { VERIFIED, PENDING, DAMAGED }

    static final int FORMAT = 1;
    static final BlockCrc DAMAGED = new BlockCrc(State.DAMAGED, 0, 0);

    static BlockCrc verified(int crc) {
        return new BlockCrc(State.VERIFIED, crc, 0);
    }

    static BlockCrc pending(int crc, int beforeCrc) {
        return new BlockCrc(State.PENDING, crc, beforeCrc);
    }

    /** Whether a block whose bytes sum to {@code actualCrc} is good. */
    boolean matches(int actualCrc) {
        return state != State.DAMAGED && crc == actualCrc;
    }

    /**
     * {@code [1][0][u32 crc]} verified, {@code [1][1][u32 crc][u32 before]} pending,
     * {@code [1][2]} damaged; big-endian.
     */
    byte[] encode() {
        return switch (state) {
            case VERIFIED -> ByteBuffer.allocate(6).put((byte) FORMAT).put((byte) 0).putInt(crc).array();
            case PENDING -> ByteBuffer.allocate(10).put((byte) FORMAT).put((byte) 1).putInt(crc).putInt(beforeCrc)
                    .array();
            case DAMAGED -> new byte[] {FORMAT, 2};
        };
    }

    /** @throws IllegalArgumentException for bytes {@link #encode} never produces */
    static BlockCrc decode(byte[] bytes) {
        if (bytes.length >= 2 && bytes[0] == FORMAT) {
            ByteBuffer in = ByteBuffer.wrap(bytes, 2, bytes.length - 2);
            switch (bytes[1]) {
                case 0 -> {
                    if (bytes.length == 6) {
                        return verified(in.getInt());
                    }
                }
                case 1 -> {
                    if (bytes.length == 10) {
                        return pending(in.getInt(), in.getInt());
                    }
                }
                case 2 -> {
                    if (bytes.length == 2) {
                        return DAMAGED;
                    }
                }
                default -> { }
            }
        }
        throw new IllegalArgumentException("not a block checksum record: " + java.util.HexFormat.of().formatHex(bytes));
    }

    @Override
    public String toString() {
        return switch (state) {
            case VERIFIED -> Checksums.hex(crc);
            case PENDING -> Checksums.hex(crc) + " (before " + Checksums.hex(beforeCrc) + ")";
            case DAMAGED -> "damaged";
        };
    }
}
