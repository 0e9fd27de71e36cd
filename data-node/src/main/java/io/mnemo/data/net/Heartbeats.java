package io.mnemo.data.net;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.net.ClusterSecret;
import io.mnemo.core.net.Frame;
import io.mnemo.core.net.FrameDecoder;
import io.mnemo.core.net.FrameType;
import io.mnemo.core.net.RpcClient;
import io.mnemo.core.proto.MetaRequest;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.core.proto.RegisterNodeReq;
import io.mnemo.data.store.ChunkStore;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers this data node with the metadata server and renews its lease: every interval, a
 * {@code RegisterNodeReq} with the node's id (0 until one is assigned), address, capacity and
 * used bytes. The id the metadata server assigns is kept in a file, so a restarted node comes
 * back as the same node.
 *
 * <p>While the metadata server cannot be reached the beats go on, logging one line when they
 * start failing and one when they succeed again.
 */
public final class Heartbeats implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(Heartbeats.class);
    private static final long CALL_TIMEOUT_MILLIS = 5000;

    private final InetSocketAddress metaAddress;
    private final Path nodeIdFile;
    private final String advertisedHost;
    private final int advertisedPort;
    private final ChunkStore store;
    private final long intervalMillis;
    private final EventLoopGroup group;
    private final RpcClient client;
    private final ScheduledExecutorService timer;

    /** The id the metadata server acknowledged in this run; 0 until then. */
    private volatile int registeredId;
    /** Completed when the metadata server refuses this node's secret: retrying cannot help. */
    private final CompletableFuture<FsException> refused = new CompletableFuture<>();
    // The fields below are touched only by the timer thread.
    /** The id to send: from the file, or as last assigned. */
    private int knownId;
    private boolean idPersisted;
    private boolean failing;

    private Heartbeats(InetSocketAddress metaAddress, ClusterSecret secret, Path nodeIdFile, String advertisedHost,
            int advertisedPort, ChunkStore store, long intervalMillis, int knownId) {
        this.metaAddress = metaAddress;
        this.nodeIdFile = nodeIdFile;
        this.advertisedHost = advertisedHost;
        this.advertisedPort = advertisedPort;
        this.store = store;
        this.intervalMillis = intervalMillis;
        this.knownId = knownId;
        this.idPersisted = true;
        this.group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        this.client = new RpcClient(group, metaAddress, secret, 1, FrameDecoder.DEFAULT_MAX_FRAME_BYTES,
                CALL_TIMEOUT_MILLIS);
        this.timer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("data-heartbeat").daemon().factory());
    }

    /**
     * Reads the node id file (if any) and starts beating at once, then every interval.
     *
     * @param advertised the address clients reach this node's chunk service at
     * @throws FsException {@code EIO} when the node id file exists but cannot be read or holds no id
     */
    public static Heartbeats start(InetSocketAddress metaAddress, ClusterSecret secret, Path nodeIdFile,
            InetSocketAddress advertised, ChunkStore store, long intervalMillis) throws FsException {
        Heartbeats heartbeats = new Heartbeats(metaAddress, secret, nodeIdFile, advertised.getHostString(),
                advertised.getPort(), store, intervalMillis, readNodeId(nodeIdFile));
        heartbeats.timer.scheduleWithFixedDelay(heartbeats::beat, 0, intervalMillis, TimeUnit.MILLISECONDS);
        return heartbeats;
    }

    /** Completes with the refusal if the metadata server refuses this node's cluster secret. */
    public CompletableFuture<FsException> refused() {
        return refused;
    }

    /** The node id the metadata server acknowledged since this node started; 0 until then. */
    public int nodeId() {
        return registeredId;
    }

    private void beat() {
        try {
            ChunkStore.DiskSpace disk = disk();
            RegisterNodeReq registration = RegisterNodeReq.newBuilder()
                    .setNodeId(knownId)
                    .setHost(advertisedHost)
                    .setPort(advertisedPort)
                    .setCapacityBytes(store.capacityBytes())
                    .setUsedBytes(store.usedBytes())
                    .setDiskId(disk.id())
                    .setDiskTotalBytes(disk.totalBytes())
                    .setDiskFreeBytes(disk.freeBytes())
                    .build();
            int assigned = register(MetaRequest.newBuilder().setRegisterNode(registration).build());
            if (assigned != knownId) {
                if (knownId != 0) {
                    LOG.warn("metadata server {} renamed data node {} to {}", metaAddress, knownId, assigned);
                }
                knownId = assigned;
                idPersisted = false;
            }
            if (!idPersisted) {
                persistNodeId(assigned);
                idPersisted = true;
            }
            if (failing || registeredId != assigned) {
                LOG.info("registered with metadata server {} as data node {}", metaAddress, assigned);
            }
            failing = false;
            registeredId = assigned;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // closing
        } catch (Exception e) {
            // Never let an exception out: it would cancel every later beat.
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof FsException fs && fs.errno() == Errno.EACCES) {
                refused.complete(fs);
            }
            if (!failing) {
                failing = true;
                LOG.warn("cannot register with metadata server {} ({}); retrying every {} ms", metaAddress,
                        cause instanceof FsException fs ? fs.getMessage() : cause.toString(), intervalMillis);
            } else {
                LOG.debug("heartbeat to {} failed", metaAddress, cause);
            }
        }
    }

    /** The disk for statfs; unknown (then statfs counts this node's capacity alone) if it cannot be read. */
    private ChunkStore.DiskSpace disk() {
        try {
            return store.disk();
        } catch (FsException e) {
            LOG.debug("cannot read the disk's free space: {}", e.getMessage());
            return new ChunkStore.DiskSpace("", 0, 0);
        }
    }

    private int register(MetaRequest request)
            throws FsException, InterruptedException, ExecutionException, TimeoutException {
        Frame reply = client.call(FrameType.META_REQUEST, request)
                .get(CALL_TIMEOUT_MILLIS + intervalMillis, TimeUnit.MILLISECONDS);
        MetaResponse response;
        try {
            response = reply.parse(MetaResponse.parser());
        } finally {
            reply.release();
        }
        if (response.getErrno() != 0) {
            throw new FsException(Errno.fromCode(response.getErrno()), response.getMessage());
        }
        int assigned = response.getRegisterNode().getNodeId();
        if (assigned == 0) {
            throw new FsException(Errno.EPROTO, "answered a registration without a node id");
        }
        return assigned;
    }

    private static int readNodeId(Path file) throws FsException {
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8).trim();
            int id = Integer.parseUnsignedInt(text);
            if (id == 0) {
                throw new NumberFormatException("0 is no node id");
            }
            return id;
        } catch (NoSuchFileException neverRegistered) {
            return 0;
        } catch (IOException | NumberFormatException e) {
            throw new FsException(Errno.EIO, "node id file " + file + " is unreadable (" + e.getMessage()
                    + "); it must hold the id the metadata server assigned this node", e);
        }
    }

    /** Replaces the node id file atomically and durably: a crash leaves the old id or the new one. */
    private void persistNodeId(int id) throws FsException {
        try {
            writeAtomically(nodeIdFile, Integer.toUnsignedString(id) + "\n");
        } catch (IOException e) {
            throw new FsException(Errno.EIO, "cannot save node id " + id + " in " + nodeIdFile + ": " + e, e);
        }
    }

    private static void writeAtomically(Path file, String text) throws IOException {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer bytes = StandardCharsets.UTF_8.encode(text);
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
            channel.force(true);
        }
        Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel directory = FileChannel.open(file.toAbsolutePath().getParent(), StandardOpenOption.READ)) {
            directory.force(true);
        }
    }

    /** Stops beating; the metadata server notices when the lease runs out. */
    @Override
    public void close() {
        timer.shutdownNow();
        try {
            if (!timer.awaitTermination(CALL_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS)) {
                LOG.warn("heartbeat to {} did not stop in time", metaAddress);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        client.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
