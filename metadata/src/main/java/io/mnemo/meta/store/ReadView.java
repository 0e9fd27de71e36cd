package io.mnemo.meta.store;

import java.util.List;
import java.util.Optional;

/**
 * Typed reads of the namespace: the committed store, or a transaction that also sees its own
 * pending writes. Storage failures are {@link java.io.UncheckedIOException}: they are never a
 * POSIX answer.
 */
public interface ReadView {
    <K, V> Optional<V> get(Table<K, V> table, K key);

    <V> Optional<V> get(Cell<V> cell);

    /**
     * The values under {@code key} in two tables, as of one instant: a write that changes both
     * together (one batch) is seen entirely or not at all. On the store this is one RocksDB
     * multi-get, so it costs about what one point get does.
     */
    <K, A, B> Both<A, B> get(Table<K, A> first, Table<K, B> second, K key);

    /** At most {@code limit} rows with {@code fromInclusive <= key < toExclusive}, in key order. */
    <K, V> List<Row<K, V>> scan(Table<K, V> table, byte[] fromInclusive, byte[] toExclusive, int limit);
}
