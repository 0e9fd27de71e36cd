package io.mnemo.meta.store;

import com.google.common.primitives.Ints;
import com.google.common.primitives.Longs;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.mnemo.core.model.InodeId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Key layouts: fixed-width big-endian integers, so that byte order is numeric order and a
 * directory listing is a prefix scan. Also the version-byte helpers the value codecs share.
 */
public final class Keys {
    /** The format-version byte every value written today starts with. */
    static final byte VERSION_1 = 1;
    /** The second format of a value whose layout changed (inode records since inline files). */
    static final byte VERSION_2 = 2;

    private Keys() {}

    public static final Codec<InodeId> INODE = new Codec<>() {
        @Override
        public byte[] encode(InodeId id) {
            return Longs.toByteArray(id.value());
        }

        @Override
        public InodeId decode(byte[] bytes) {
            checkLength(bytes, Long.BYTES, "inode key");
            return new InodeId(Longs.fromByteArray(bytes));
        }
    };

    public static final Codec<Integer> U32 = new Codec<>() {
        @Override
        public byte[] encode(Integer value) {
            return Ints.toByteArray(value);
        }

        @Override
        public Integer decode(byte[] bytes) {
            checkLength(bytes, Integer.BYTES, "u32 key");
            return Ints.fromByteArray(bytes);
        }
    };

    public static final Codec<String> NAME = new Codec<>() {
        @Override
        public byte[] encode(String value) {
            return value.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public String decode(byte[] bytes) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    };

    /** Raw bytes, for families whose keys or values are opaque. */
    public static final Codec<byte[]> RAW = new Codec<>() {
        @Override
        public byte[] encode(byte[] value) {
            return value;
        }

        @Override
        public byte[] decode(byte[] bytes) {
            return bytes;
        }
    };

    /** Bounds that enclose every key of a u32-keyed family (node, chain). */
    public static byte[] u32Start() {
        return new byte[0];
    }

    public static byte[] u32End() {
        return new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0};
    }

    /** Bounds that enclose every key of a u64-keyed family (inode, orphan). */
    public static byte[] u64Start() {
        return new byte[0];
    }

    public static byte[] u64End() {
        return new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF,
            (byte) 0xFF, 0};
    }

    /** The first key of every entry of directory {@code dir} in the dentry family. */
    public static byte[] dentryStart(InodeId dir) {
        return Longs.toByteArray(dir.value());
    }

    /** The first key after every entry of directory {@code dir}: the scan's upper bound. */
    public static byte[] dentryEnd(InodeId dir) {
        return Longs.toByteArray(dir.value() + 1);
    }

    /** The xattr family's key of attribute {@code name} of {@code inode}: the u64 inode, then the name's bytes. */
    public static byte[] xattr(InodeId inode, byte[] name) {
        return ByteBuffer.allocate(Long.BYTES + name.length).putLong(inode.value()).put(name).array();
    }

    /** The name part of an xattr family key. */
    public static byte[] xattrName(byte[] key) {
        if (key.length <= Long.BYTES) {
            throw new IllegalStateException("xattr key of " + key.length + " bytes has no name");
        }
        return Arrays.copyOfRange(key, Long.BYTES, key.length);
    }

    /** Bounds that enclose every xattr of {@code inode}. */
    public static byte[] xattrStart(InodeId inode) {
        return Longs.toByteArray(inode.value());
    }

    public static byte[] xattrEnd(InodeId inode) {
        return Longs.toByteArray(inode.value() + 1);
    }

    /**
     * The smallest key greater than {@code key} that a longer key with it as prefix could not
     * beat: {@code key + 0x00}. Names never contain NUL, so this skips exactly one entry.
     */
    public static byte[] justAfter(byte[] key) {
        return Arrays.copyOf(key, key.length + 1);
    }

    static void checkLength(byte[] bytes, int expected, String what) {
        if (bytes.length != expected) {
            throw new IllegalStateException(what + " has " + bytes.length + " bytes, expected " + expected);
        }
    }

    /** Checks the version byte and length of a fixed-size value; the buffer is positioned after the version. */
    static ByteBuffer versioned(byte[] bytes, int length, String what) {
        checkLength(bytes, length, what);
        requireVersion(bytes, what);
        return ByteBuffer.wrap(bytes, 1, length - 1);
    }

    static void requireVersion(byte[] bytes, String what) {
        if (bytes.length == 0 || bytes[0] != VERSION_1) {
            throw new IllegalStateException(what + " has unknown format version "
                    + (bytes.length == 0 ? "(empty)" : Byte.toString(bytes[0])));
        }
    }

    /** A version byte followed by {@code payload}. */
    static byte[] withVersion(byte[] payload) {
        byte[] out = new byte[payload.length + 1];
        out[0] = VERSION_1;
        System.arraycopy(payload, 0, out, 1, payload.length);
        return out;
    }

    /** The payload after a checked version byte. */
    static byte[] payload(byte[] bytes, String what) {
        requireVersion(bytes, what);
        return Arrays.copyOfRange(bytes, 1, bytes.length);
    }

    /**
     * Bytes after a version byte, decoded as a view of the array read (no copy: a value of up to
     * 64 KiB read on every open of a small file goes out in the reply as it is).
     */
    static final Codec<ByteString> VERSIONED_VIEW = new Codec<>() {
        @Override
        public byte[] encode(ByteString value) {
            byte[] out = new byte[value.size() + 1];
            out[0] = VERSION_1;
            value.copyTo(out, 1);
            return out;
        }

        @Override
        public ByteString decode(byte[] bytes) {
            requireVersion(bytes, "value");
            return UnsafeByteOperations.unsafeWrap(bytes, 1, bytes.length - 1);
        }
    };

    static final Codec<Long> U64_VALUE = new Codec<>() {
        @Override
        public byte[] encode(Long value) {
            return ByteBuffer.allocate(9).put(VERSION_1).putLong(value).array();
        }

        @Override
        public Long decode(byte[] bytes) {
            return versioned(bytes, 9, "u64 value").getLong();
        }
    };

    static final Codec<Integer> U32_VALUE = new Codec<>() {
        @Override
        public byte[] encode(Integer value) {
            return ByteBuffer.allocate(5).put(VERSION_1).putInt(value).array();
        }

        @Override
        public Integer decode(byte[] bytes) {
            return versioned(bytes, 5, "u32 value").getInt();
        }
    };
}
