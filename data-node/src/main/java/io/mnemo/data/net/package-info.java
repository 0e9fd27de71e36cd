/**
 * The data node on the wire: {@link io.mnemo.data.net.ChunkRequestHandler} serves
 * {@code ChunkRequest}s from a {@link io.mnemo.data.store.ChunkStore}, and
 * {@link io.mnemo.data.net.Heartbeats} registers the node with the metadata server and renews
 * its lease. Framing, the cluster-secret handshake and the executor are fs-core's
 * {@code io.mnemo.core.net}; no disk layout and no file-system logic lives here.
 */
package io.mnemo.data.net;
