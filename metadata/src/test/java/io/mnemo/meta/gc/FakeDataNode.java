package io.mnemo.meta.gc;

import io.mnemo.core.net.ClusterSecret;
import io.mnemo.core.net.FrameType;
import io.mnemo.core.net.Reply;
import io.mnemo.core.net.RpcServer;
import io.mnemo.core.proto.ChunkRequest;
import io.mnemo.core.proto.ChunkResponse;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in data node behind the real chunk protocol (RpcServer, handshake, frames): it
 * records the inodes it is asked to delete and fails the first {@code failures} requests with EIO.
 */
public final class FakeDataNode implements AutoCloseable {
    public final List<Long> deleted = new CopyOnWriteArrayList<>();
    final AtomicInteger requests = new AtomicInteger();
    final AtomicInteger failures = new AtomicInteger();
    private final RpcServer server;

    public FakeDataNode(ClusterSecret secret) throws Exception {
        server = RpcServer.start("fake-data", new InetSocketAddress("127.0.0.1", 0), secret, FrameType.CHUNK_REQUEST,
                frame -> {
                    try {
                        ChunkRequest req = frame.parse(ChunkRequest.parser());
                        requests.incrementAndGet();
                        if (failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                            return CompletableFuture.completedFuture(Reply.of(ChunkResponse.newBuilder()
                                    .setErrno(5).setMessage("disk on fire").build()));
                        }
                        deleted.addAll(req.getDelete().getInodesList());
                        return CompletableFuture.completedFuture(Reply.of(ChunkResponse.getDefaultInstance()));
                    } catch (Exception e) {
                        return CompletableFuture.failedFuture(e);
                    } finally {
                        frame.release();
                    }
                }, 2, 1 << 20);
    }

    public int port() {
        return server.address().getPort();
    }

    @Override
    public void close() {
        server.close();
    }
}
