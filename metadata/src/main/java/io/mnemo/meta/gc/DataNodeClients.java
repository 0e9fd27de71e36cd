package io.mnemo.meta.gc;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.net.ClusterSecret;
import io.mnemo.core.net.Frame;
import io.mnemo.core.net.FrameType;
import io.mnemo.core.net.RpcClient;
import io.mnemo.core.proto.ChunkRequest;
import io.mnemo.core.proto.ChunkResponse;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.Closeable;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/** Chunk-protocol connections from the metadata server to data nodes, one pooled client per address. */
public final class DataNodeClients implements Closeable {
    private static final int MAX_FRAME_BYTES = 1 << 20;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final Map<InetSocketAddress, RpcClient> clients = new ConcurrentHashMap<>();
    private final ClusterSecret secret;
    private final long timeoutMillis;
    private volatile boolean closed;

    public DataNodeClients(ClusterSecret secret, long timeoutMillis) {
        this.secret = secret;
        this.timeoutMillis = timeoutMillis;
    }

    /** Sends a chunk request without bulk data; fails with an FsException if the node cannot be reached. */
    public CompletableFuture<ChunkResponse> call(InetSocketAddress node, ChunkRequest request) {
        if (closed) {
            return CompletableFuture.failedFuture(new FsException(Errno.EIO, "data node clients are closed"));
        }
        InetSocketAddress resolved = node.isUnresolved() ? new InetSocketAddress(node.getHostString(), node.getPort())
                : node;
        RpcClient client = clients.computeIfAbsent(resolved,
                a -> new RpcClient(group, a, secret, 1, MAX_FRAME_BYTES, timeoutMillis));
        return client.call(FrameType.CHUNK_REQUEST, request).thenApply(DataNodeClients::parse);
    }

    private static ChunkResponse parse(Frame frame) {
        try {
            return frame.parse(ChunkResponse.parser());
        } catch (FsException e) {
            throw new java.util.concurrent.CompletionException(e);
        } finally {
            frame.release();
        }
    }

    @Override
    public void close() {
        closed = true;
        clients.values().forEach(RpcClient::close);
        clients.clear();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
