package io.mnemo.meta.store;

import io.mnemo.core.error.FsException;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.model.Name;
import java.nio.ByteBuffer;
import java.util.Arrays;

/** The key of a directory entry: the directory, then the name's bytes. */
public record DentryKey(InodeId parent, Name name) {

    /** {@code [u64 parent][name bytes]}, so one directory's entries are contiguous and in name order. */
    public static final Codec<DentryKey> CODEC = new Codec<>() {
        @Override
        public byte[] encode(DentryKey key) {
            byte[] name = key.name.bytes();
            return ByteBuffer.allocate(Long.BYTES + name.length).putLong(key.parent.value()).put(name).array();
        }

        @Override
        public DentryKey decode(byte[] bytes) {
            if (bytes.length <= Long.BYTES) {
                throw new IllegalStateException("dentry key of " + bytes.length + " bytes has no name");
            }
            try {
                return new DentryKey(new InodeId(ByteBuffer.wrap(bytes).getLong()),
                        Name.of(Arrays.copyOfRange(bytes, Long.BYTES, bytes.length)));
            } catch (FsException e) {
                throw new IllegalStateException("corrupt dentry key", e);
            }
        }
    };
}
