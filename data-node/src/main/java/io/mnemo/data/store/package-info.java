/**
 * Chunks on local disk: {@link io.mnemo.data.store.ChunkStore} (the role) and
 * {@link io.mnemo.data.store.FileChunkStore} (one file per chunk). Knows files, offsets and
 * errno; knows nothing about Netty channels, protobuf or the metadata server.
 */
package io.mnemo.data.store;
