package io.mnemo.meta.store;

import java.nio.ByteBuffer;

/** The last Raft log entry whose effects the store holds: written by every apply. */
public record Applied(long term, long index) {
    /** Nothing applied yet. */
    public static final Applied NONE = new Applied(0, -1);

    static final Codec<Applied> CODEC = new Codec<>() {
        @Override
        public byte[] encode(Applied a) {
            return ByteBuffer.allocate(17).put(Keys.VERSION_1).putLong(a.term).putLong(a.index).array();
        }

        @Override
        public Applied decode(byte[] bytes) {
            ByteBuffer b = Keys.versioned(bytes, 17, "applied index");
            return new Applied(b.getLong(), b.getLong());
        }
    };
}
