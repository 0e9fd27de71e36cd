/**
 * How metadata commands are logged before they are answered: {@link io.mnemo.meta.raft.LocalLog},
 * RocksDB's own write-ahead log, for a group of one replica (the default); and replication
 * through Apache Ratis: the state machine that applies them
 * to the {@link io.mnemo.meta.store.MetaStore}, its RocksDB-checkpoint snapshots, and the
 * server that proposes commands in-process, answering them before the log's fsync when allowed
 * ({@link io.mnemo.meta.raft.RaftSettings#logFlushDelay()}) with {@link io.mnemo.meta.raft.Proposer#sync()}
 * as the barrier.
 *
 * <p>Shaded Ratis types never leave this package: the rest of the module sees
 * {@link io.mnemo.meta.raft.Proposer} and {@link io.mnemo.meta.raft.MetaRaft}'s plain methods.
 */
package io.mnemo.meta.raft;
