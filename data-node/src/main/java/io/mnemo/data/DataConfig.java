package io.mnemo.data;

import io.mnemo.core.net.ClusterSecret;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a data node keeps its chunks, where it listens, and whom it reports to.
 *
 * @param dir the node's own directory: chunk files ({@code chunks}), their checksums ({@code index}),
 *     its lock file and its node id live here
 * @param host the address to listen on (loopback unless told otherwise)
 * @param port the port to listen on; 0 picks a free one (see {@link DataNode#address()})
 * @param metaAddress the metadata server to register and heartbeat with; null runs the node
 *     standalone, never registered
 * @param secret the cluster secret every connection, in and out, proves knowledge of
 * @param capacityBytes the most bytes the chunks may use; 0 for the size of the disk under {@code dir}
 * @param heartbeatIntervalMillis how often the node renews its registration
 */
public record DataConfig(Path dir, String host, int port, InetSocketAddress metaAddress, ClusterSecret secret,
        long capacityBytes, long heartbeatIntervalMillis) {
    public static final long DEFAULT_HEARTBEAT_INTERVAL_MILLIS = 1000;

    public DataConfig {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(secret, "secret");
        if (port < 0 || port > 0xFFFF) {
            throw new IllegalArgumentException("port " + port);
        }
        if (capacityBytes < 0) {
            throw new IllegalArgumentException("--capacity: must be 0 (the whole disk) or more, got " + capacityBytes);
        }
        if (heartbeatIntervalMillis <= 0) {
            throw new IllegalArgumentException("heartbeat interval " + heartbeatIntervalMillis + " ms");
        }
    }

    /** A config with the default heartbeat interval. */
    public DataConfig(Path dir, String host, int port, InetSocketAddress metaAddress, ClusterSecret secret,
            long capacityBytes) {
        this(dir, host, port, metaAddress, secret, capacityBytes, DEFAULT_HEARTBEAT_INTERVAL_MILLIS);
    }

    /** A standalone node on loopback, any free port, using the whole disk. */
    public static DataConfig loopback(Path dir, ClusterSecret secret) {
        return new DataConfig(dir, "127.0.0.1", 0, null, secret, 0);
    }

    public DataConfig withMetaAddress(InetSocketAddress metaAddress) {
        return new DataConfig(dir, host, port, metaAddress, secret, capacityBytes, heartbeatIntervalMillis);
    }

    public DataConfig withCapacityBytes(long capacityBytes) {
        return new DataConfig(dir, host, port, metaAddress, secret, capacityBytes, heartbeatIntervalMillis);
    }

    public DataConfig withHeartbeatIntervalMillis(long heartbeatIntervalMillis) {
        return new DataConfig(dir, host, port, metaAddress, secret, capacityBytes, heartbeatIntervalMillis);
    }

    @Override
    public String toString() {
        // The secret stays out of logs.
        return "DataConfig[dir=" + dir + ", listen=" + host + ":" + port + ", meta=" + metaAddress
                + ", capacityBytes=" + capacityBytes + ", heartbeatIntervalMillis=" + heartbeatIntervalMillis + "]";
    }
}
