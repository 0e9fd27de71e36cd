package io.mnemo.meta.store;

/** One column family with the codecs of its keys and values. */
public record Table<K, V>(String family, Codec<K> keys, Codec<V> values) {}
