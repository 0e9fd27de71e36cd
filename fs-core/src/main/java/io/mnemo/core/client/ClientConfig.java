package io.mnemo.core.client;

import io.mnemo.core.net.ClusterSecret;
import io.mnemo.core.net.FrameDecoder;
import java.net.InetSocketAddress;

/**
 * How a {@link MnemoClient} reaches the cluster and how much it may buffer.
 *
 * @param writeBufferBytes bound on written bytes buffered or in flight to data nodes, over all open files
 * @param maxWriteBytes the largest single chunk write sent to a data node
 * @param directCalls call the metadata server and data nodes running in this JVM directly rather
 *     than through sockets (see {@link io.mnemo.core.net.InProcess}); off only to test the network path in one JVM
 */
public record ClientConfig(
        InetSocketAddress metaAddress,
        ClusterSecret secret,
        long rpcTimeoutMillis,
        int connectionsPerPeer,
        long writeBufferBytes,
        int maxWriteBytes,
        boolean directCalls) {

    public static final long DEFAULT_WRITE_BUFFER_BYTES = 256L * 1024 * 1024;
    public static final int DEFAULT_MAX_WRITE_BYTES = 4 * 1024 * 1024;

    public ClientConfig {
        if (maxWriteBytes <= 0 || maxWriteBytes > FrameDecoder.DEFAULT_MAX_FRAME_BYTES - 64 * 1024) {
            throw new IllegalArgumentException("maxWriteBytes out of range: " + maxWriteBytes);
        }
        if (writeBufferBytes < maxWriteBytes) {
            throw new IllegalArgumentException("writeBufferBytes must hold at least one write");
        }
    }

    public static ClientConfig defaults(InetSocketAddress metaAddress, ClusterSecret secret) {
        return new ClientConfig(metaAddress, secret, 60_000, 2, DEFAULT_WRITE_BUFFER_BYTES, DEFAULT_MAX_WRITE_BYTES, true);
    }

    /** The same, always over the network, even to a metadata server in this JVM. */
    public ClientConfig overNetwork() {
        return new ClientConfig(metaAddress, secret, rpcTimeoutMillis, connectionsPerPeer, writeBufferBytes,
                maxWriteBytes, false);
    }
}
