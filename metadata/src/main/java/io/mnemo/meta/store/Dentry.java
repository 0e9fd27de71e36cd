package io.mnemo.meta.store;

import io.mnemo.core.model.FileType;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.proto.Protos;
import java.nio.ByteBuffer;

/** What a directory entry names: the child inode and its type (so readdir needs no inode reads). */
public record Dentry(InodeId child, FileType type) {

    /** {@code [version 1][u64 child][u8 FileType ordinal]}. */
    public static final Codec<Dentry> CODEC = new Codec<>() {
        @Override
        public byte[] encode(Dentry d) {
            return ByteBuffer.allocate(10).put(Keys.VERSION_1).putLong(d.child.value()).put((byte) d.type.ordinal())
                    .array();
        }

        @Override
        public Dentry decode(byte[] bytes) {
            ByteBuffer b = Keys.versioned(bytes, 10, "dentry");
            return new Dentry(new InodeId(b.getLong()), Protos.fileType(b.get()));
        }
    };
}
