package io.mnemo.meta.store;

/** One decoded key-value pair of a table scan. */
public record Row<K, V>(K key, V value) {}
