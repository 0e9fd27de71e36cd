package io.mnemo.meta.store;

/**
 * Turns values into the bytes stored in RocksDB and back. Value codecs write a leading
 * format-version byte; key codecs do not, because keys must sort in numeric order.
 * A value that cannot be decoded is corruption and fails with {@link IllegalStateException}.
 */
public interface Codec<T> {
    byte[] encode(T value);

    T decode(byte[] bytes);
}
