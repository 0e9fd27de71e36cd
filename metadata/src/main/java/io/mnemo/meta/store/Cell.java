package io.mnemo.meta.store;

/** One well-known key of the {@code sys} family with the codec of its value. */
public record Cell<V>(String name, Codec<V> codec) {}
