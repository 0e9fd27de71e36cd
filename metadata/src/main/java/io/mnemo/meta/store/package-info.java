/**
 * The namespace's persistent state: one RocksDB database with the column families that
 * {@link io.mnemo.meta.store.Schema} lists, typed tables over it, and the value codecs.
 *
 * <p>{@link io.mnemo.meta.store.MetaStore} is the only class in the module that imports
 * {@code org.rocksdb}. Writes happen only through a {@link io.mnemo.meta.store.Txn} that the
 * Raft state machine commits as one {@code WriteBatch}; nothing here knows about Raft,
 * POSIX rules or the network.
 */
package io.mnemo.meta.store;
