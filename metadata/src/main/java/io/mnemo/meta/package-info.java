/**
 * The metadata server: {@link io.mnemo.meta.MetaServer} wires the store, the Raft peer, the
 * cluster manager, the chunk collector and the RPC endpoint together and owns their lifecycle;
 * {@link io.mnemo.meta.MetaConfig} says how it runs. The request handler here turns wire
 * requests into reads or into commands, choosing what apply must not (inode ids, timestamps,
 * layouts). Storage, operations, Raft and cluster logic live in the sub-packages.
 */
package io.mnemo.meta;
