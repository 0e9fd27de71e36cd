/**
 * Chunks on local disk: {@link io.mnemo.data.store.ChunkStore} (the role) and
 * {@link io.mnemo.data.store.FileChunkStore} (one file per chunk, with its crash-consistency
 * rule), its index of lengths and block checksums in the node's own RocksDB ({@code ChunkIndex},
 * the only class importing {@code org.rocksdb}, whose Javadoc is the table of what is stored),
 * the checksum arithmetic ({@code Checksums}), file naming ({@code ChunkFiles}) and what happens
 * at startup ({@code ChunkRecovery}). Knows files, offsets, checksums and errno; knows nothing
 * about Netty channels, protobuf or the metadata server.
 */
package io.mnemo.data.store;
