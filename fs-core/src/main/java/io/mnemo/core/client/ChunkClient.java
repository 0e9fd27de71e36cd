package io.mnemo.core.client;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.ChunkId;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.model.Layout;
import io.mnemo.core.net.Frame;
import io.mnemo.core.net.FrameDecoder;
import io.mnemo.core.net.FrameType;
import io.mnemo.core.net.RpcClient;
import io.mnemo.core.proto.ChainMsg;
import io.mnemo.core.proto.ChunkRequest;
import io.mnemo.core.proto.ChunkResponse;
import io.mnemo.core.proto.ClusterInfo;
import io.mnemo.core.proto.ClusterInfoReq;
import io.mnemo.core.proto.MetaRequest;
import io.mnemo.core.proto.NodeMsg;
import io.mnemo.core.proto.ReadChunkReq;
import io.mnemo.core.proto.SyncChunksReq;
import io.mnemo.core.proto.TruncateChunksReq;
import io.mnemo.core.proto.VerifyChunksReq;
import io.mnemo.core.proto.WriteChunkReq;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Chunk RPC to the data nodes: routes a chunk to the head of its chain (from the cluster
 * manager's chain table, refreshed when a chain is unknown, and after a call that could not
 * reach its node, since the node may have come back at another address) over pooled connections.
 */
final class ChunkClient {
    private final EventLoopGroup group;
    private final ClientConfig config;
    private final MetaClient meta;
    private final Map<Integer, RpcClient> nodes = new ConcurrentHashMap<>();
    private volatile ClusterInfo cluster = ClusterInfo.getDefaultInstance();
    /** A call could not reach its node: fetch the chain table again, at most once a second. */
    private volatile boolean unreachable;
    private volatile long refreshedNanos;

    ChunkClient(EventLoopGroup group, ClientConfig config, MetaClient meta) {
        this.group = group;
        this.config = config;
        this.meta = meta;
    }

    CompletableFuture<Void> write(Layout layout, ChunkId chunk, long offset, ByteBuf data) {
        WriteChunkReq write = WriteChunkReq.newBuilder()
                .setInode(chunk.inode().value()).setIndex(chunk.index())
                .setOffset(offset).setLength(data.readableBytes()).build();
        return send(layout.chainOf(chunk.index()), ChunkRequest.newBuilder().setWrite(write).build(), data)
                .thenAccept(Frame::release);
    }

    /** Reads what the chunk holds in the range; the result may be short (a hole or the end). */
    CompletableFuture<ByteBuf> read(Layout layout, ChunkId chunk, long offset, int length, boolean waiting) {
        ReadChunkReq read = ReadChunkReq.newBuilder()
                .setInode(chunk.inode().value()).setIndex(chunk.index())
                .setOffset(offset).setLength(length).build();
        return send(layout.chainOf(chunk.index()), ChunkRequest.newBuilder().setRead(read).build(), null, waiting)
                .thenApply(Frame::data);
    }

    /** Cuts the file's chunks to {@code sizeBytes} on every chain of its layout. */
    CompletableFuture<Void> truncate(InodeId inode, Layout layout, long sizeBytes) {
        long index = sizeBytes / layout.chunkSizeBytes();
        TruncateChunksReq truncate = TruncateChunksReq.newBuilder()
                .setInode(inode.value()).setIndex(index).setLength(sizeBytes % layout.chunkSizeBytes()).build();
        return onEveryChain(layout, ChunkRequest.newBuilder().setTruncate(truncate).build());
    }

    /** Makes every chunk of the file durable on every chain of its layout. */
    CompletableFuture<Void> sync(InodeId inode, Layout layout) {
        return onEveryChain(layout, ChunkRequest.newBuilder()
                .setSync(SyncChunksReq.newBuilder().setInode(inode.value())).build());
    }

    /** Scrubs the file's chunks on every chain: the indexes of chunks that failed their checksums, sorted. */
    CompletableFuture<List<Long>> verify(InodeId inode, Layout layout) {
        ChunkRequest verify = ChunkRequest.newBuilder()
                .setVerify(VerifyChunksReq.newBuilder().setInode(inode.value())).build();
        List<CompletableFuture<Frame>> calls = new ArrayList<>();
        for (int chain : layout.chains().stream().distinct().toList()) {
            calls.add(send(chain, verify, null));
        }
        return CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).thenApply(done -> {
            List<Long> damaged = new ArrayList<>();
            for (CompletableFuture<Frame> call : calls) {
                Frame frame = call.join();
                frame.release();
                try {
                    damaged.addAll(frame.parse(ChunkResponse.parser()).getDamagedList());
                } catch (FsException e) {
                    throw new CompletionException(e);
                }
            }
            damaged.sort(null);
            return damaged;
        });
    }

    private CompletableFuture<Void> onEveryChain(Layout layout, ChunkRequest request) {
        List<CompletableFuture<Frame>> calls = new ArrayList<>();
        for (int chain : layout.chains().stream().distinct().toList()) {
            calls.add(send(chain, request, null));
        }
        return CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new))
                .thenRun(() -> calls.forEach(c -> c.join().release()));
    }

    /** Sends to the chain's head; completes with the response frame once its errno is checked. */
    private CompletableFuture<Frame> send(int chain, ChunkRequest request, ByteBuf data) {
        return send(chain, request, data, false);
    }

    /** {@code waiting}: the caller waits for the answer at once (see {@link RpcClient#callWaiting}). */
    private CompletableFuture<Frame> send(int chain, ChunkRequest request, ByteBuf data, boolean waiting) {
        RpcClient node;
        try {
            node = nodeFor(chain);
        } catch (FsException e) {
            if (data != null) {
                data.release();
            }
            return CompletableFuture.failedFuture(e);
        }
        CompletableFuture<Frame> call = data != null ? node.call(FrameType.CHUNK_REQUEST, request, data)
                : waiting ? node.callWaiting(FrameType.CHUNK_REQUEST, request)
                : node.call(FrameType.CHUNK_REQUEST, request);
        call.exceptionally(failure -> {
            unreachable = true;
            return null;
        });
        return call.thenApply(frame -> {
            try {
                ChunkResponse response = frame.parse(ChunkResponse.parser());
                if (response.getErrno() != 0) {
                    throw new FsException(Errno.fromCode(response.getErrno()),
                            node.address() + ": " + response.getMessage());
                }
                return frame;
            } catch (FsException e) {
                frame.release();
                throw new CompletionException(e);
            }
        });
    }

    private RpcClient nodeFor(int chain) throws FsException {
        if (unreachable && System.nanoTime() - refreshedNanos > 1_000_000_000L) {
            unreachable = false;
            refreshCluster();
        }
        NodeMsg head = head(cluster, chain);
        if (head == null) {
            refreshCluster();
            head = head(cluster, chain);
            if (head == null) {
                throw new FsException(Errno.EIO, "chain " + chain + " has no data node");
            }
        }
        InetSocketAddress address = addressOf(head);
        return nodes.compute(head.getNodeId(), (id, existing) -> {
            if (existing != null && existing.address().equals(address)) {
                return existing;
            }
            if (existing != null) {
                existing.close(); // the node moved: its old address is dead
            }
            return new RpcClient(group, address, config.secret(), config.connectionsPerPeer(),
                    FrameDecoder.DEFAULT_MAX_FRAME_BYTES, config.rpcTimeoutMillis(), config.directCalls());
        });
    }

    private void refreshCluster() throws FsException {
        refreshedNanos = System.nanoTime();
        cluster = meta.call(MetaRequest.newBuilder().setClusterInfo(ClusterInfoReq.getDefaultInstance()).build())
                .getClusterInfo();
    }

    private static InetSocketAddress addressOf(NodeMsg node) {
        return new InetSocketAddress(node.getHost(), node.getPort());
    }

    private static NodeMsg head(ClusterInfo cluster, int chain) {
        for (ChainMsg c : cluster.getChainsList()) {
            if (c.getChainId() == chain && c.getNodeIdsCount() > 0) {
                for (NodeMsg n : cluster.getNodesList()) {
                    if (n.getNodeId() == c.getNodeIds(0)) {
                        return n;
                    }
                }
            }
        }
        return null;
    }

    void close() {
        nodes.values().forEach(RpcClient::close);
    }
}
