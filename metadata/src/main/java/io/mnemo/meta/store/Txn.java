package io.mnemo.meta.store;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The writes of one Raft entry, buffered until {@link MetaStore#commit} writes them as one
 * {@code WriteBatch}. Reads through a transaction see its own pending writes first, so an
 * operation may read what it has just written (rename within one directory does).
 * Confined to the applying thread.
 */
public final class Txn implements ReadView {
    /** Marks a pending delete; compared by identity. */
    private static final byte[] DELETED = new byte[0];

    private final MetaStore store;
    private final Map<String, NavigableMap<byte[], byte[]>> writes = new HashMap<>();

    Txn(MetaStore store) {
        this.store = store;
    }

    @Override
    public <K, V> Optional<V> get(Table<K, V> table, K key) {
        byte[] raw = rawGet(table.family(), table.keys().encode(key));
        return raw == null ? Optional.empty() : Optional.of(table.values().decode(raw));
    }

    @Override
    public <K, A, B> Both<A, B> get(Table<K, A> first, Table<K, B> second, K key) {
        // Only the applying thread writes the store, and it is this one: two gets see one state.
        return new Both<>(get(first, key), get(second, key));
    }

    @Override
    public <V> Optional<V> get(Cell<V> cell) {
        byte[] raw = rawGet(Schema.SYS, Keys.NAME.encode(cell.name()));
        return raw == null ? Optional.empty() : Optional.of(cell.codec().decode(raw));
    }

    @Override
    public <K, V> List<Row<K, V>> scan(Table<K, V> table, byte[] fromInclusive, byte[] toExclusive, int limit) {
        NavigableMap<byte[], byte[]> all = writes.get(table.family());
        NavigableMap<byte[], byte[]> pending = all == null
                ? Collections.emptyNavigableMap()
                : all.subMap(fromInclusive, true, toExclusive, false);
        // Each pending delete can hide at most one stored row: read that many more.
        int deletes = (int) pending.values().stream().filter(v -> v == DELETED).count();
        TreeMap<byte[], byte[]> merged = new TreeMap<>(Arrays::compareUnsigned);
        for (Row<byte[], byte[]> row : store.scanRaw(table.family(), fromInclusive, toExclusive, limit + deletes)) {
            merged.put(row.key(), row.value());
        }
        merged.putAll(pending);
        List<Row<K, V>> rows = new ArrayList<>();
        for (Map.Entry<byte[], byte[]> e : merged.entrySet()) {
            if (rows.size() == limit) {
                break;
            }
            if (e.getValue() != DELETED) {
                rows.add(new Row<>(table.keys().decode(e.getKey()), table.values().decode(e.getValue())));
            }
        }
        return rows;
    }

    public <K, V> void put(Table<K, V> table, K key, V value) {
        family(table.family()).put(table.keys().encode(key), table.values().encode(value));
    }

    public <K, V> void delete(Table<K, V> table, K key) {
        family(table.family()).put(table.keys().encode(key), DELETED);
    }

    public <V> void put(Cell<V> cell, V value) {
        family(Schema.SYS).put(Keys.NAME.encode(cell.name()), cell.codec().encode(value));
    }

    /** Forgets every pending write: what a failed operation leaves behind. */
    public void clear() {
        writes.clear();
    }

    public boolean isEmpty() {
        return writes.isEmpty();
    }

    /** Hands every pending write to {@code sink}: a null value is a delete. */
    void forEachWrite(WriteSink sink) {
        writes.forEach((family, rows) -> rows.forEach((k, v) -> sink.accept(family, k, v == DELETED ? null : v)));
    }

    @FunctionalInterface
    interface WriteSink {
        void accept(String family, byte[] key, byte[] valueOrNullToDelete);
    }

    private byte[] rawGet(String family, byte[] key) {
        NavigableMap<byte[], byte[]> pending = writes.get(family);
        if (pending != null) {
            byte[] v = pending.get(key);
            if (v != null) {
                return v == DELETED ? null : v;
            }
        }
        return store.getRaw(family, key);
    }

    private NavigableMap<byte[], byte[]> family(String family) {
        return writes.computeIfAbsent(family, f -> new TreeMap<>(Arrays::compareUnsigned));
    }
}
