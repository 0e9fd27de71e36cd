package io.mnemo.core.model;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A validated directory-entry name: non-empty, no '/' or NUL, at most 255 bytes, not "." or "..". */
public final class Name implements Comparable<Name> {
    public static final int MAX_BYTES = 255;
    private final byte[] bytes;

    private Name(byte[] bytes) {
        this.bytes = bytes;
    }

    public static Name of(String name) throws FsException {
        return of(name.getBytes(StandardCharsets.UTF_8));
    }

    public static Name of(byte[] bytes) throws FsException {
        if (bytes.length == 0) {
            throw new FsException(Errno.ENOENT, "empty name");
        }
        if (bytes.length > MAX_BYTES) {
            throw new FsException(Errno.ENAMETOOLONG, "name longer than 255 bytes");
        }
        for (byte b : bytes) {
            if (b == '/' || b == 0) {
                throw new FsException(Errno.EINVAL, "name contains '/' or NUL");
            }
        }
        if ((bytes.length == 1 && bytes[0] == '.') || (bytes.length == 2 && bytes[0] == '.' && bytes[1] == '.')) {
            throw new FsException(Errno.EINVAL, "'.' and '..' are not entry names");
        }
        return new Name(bytes.clone());
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    public int length() {
        return bytes.length;
    }

    @Override
    public int compareTo(Name o) {
        return Arrays.compareUnsigned(bytes, o.bytes);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Name n && Arrays.equals(bytes, n.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
