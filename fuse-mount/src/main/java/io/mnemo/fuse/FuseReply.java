package io.mnemo.fuse;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A reply being built in a worker's buffer: the {@code fuse_out_header} is written last, by the
 * session, once the arguments (put in order with {@link #u32} and {@link #u64}) or the error are
 * known.
 */
final class FuseReply {
    static final int HEADER_BYTES = 16;

    private final ByteBuffer out;

    FuseReply(int capacityBytes) {
        this.out = ByteBuffer.allocateDirect(capacityBytes).order(ByteOrder.nativeOrder());
    }

    ByteBuffer buffer() {
        return out;
    }

    /** Starts a reply: no arguments yet. */
    void reset() {
        out.clear().position(HEADER_BYTES);
    }

    FuseReply u16(int value) {
        out.putShort((short) value);
        return this;
    }

    FuseReply u32(int value) {
        out.putInt(value);
        return this;
    }

    FuseReply u64(long value) {
        out.putLong(value);
        return this;
    }

    FuseReply bytes(byte[] bytes) {
        out.put(bytes);
        return this;
    }

    /** Room left for arguments. */
    int remaining() {
        return out.remaining();
    }

    int argumentBytes() {
        return out.position() - HEADER_BYTES;
    }

    /** The next {@code length} bytes, for a callee to fill; {@link #advance} then counts what it wrote. */
    ByteBuffer window(int length) {
        return out.slice(out.position(), Math.min(length, out.remaining()));
    }

    void advance(int bytes) {
        out.position(out.position() + bytes);
    }

    /** Writes the header; answers the length of the whole reply. */
    int seal(long unique, int errno) {
        int length = errno == 0 ? out.position() : HEADER_BYTES;
        out.putInt(0, length).putInt(4, -errno).putLong(8, unique);
        return length;
    }
}
