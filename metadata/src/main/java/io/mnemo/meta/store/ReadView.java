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

    /** At most {@code limit} rows with {@code fromInclusive <= key < toExclusive}, in key order. */
    <K, V> List<Row<K, V>> scan(Table<K, V> table, byte[] fromInclusive, byte[] toExclusive, int limit);
}
