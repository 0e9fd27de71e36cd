package io.mnemo.data;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.error.IoErrors;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.net.FrameDecoder;
import io.mnemo.core.net.FrameType;
import io.mnemo.core.net.RpcServer;
import io.mnemo.data.net.ChunkRequestHandler;
import io.mnemo.data.net.Heartbeats;
import io.mnemo.data.store.ChunkStore;
import io.mnemo.data.store.FileChunkStore;
import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One data node: its directory locked against a second process, a {@link FileChunkStore} with its
 * chunk files in {@code dir/chunks} and their checksums in {@code dir/index}, the chunk RPC
 * service, and heartbeats to the metadata server when one is configured. Wiring and lifecycle only.
 *
 * <p>The chunk service is fs-core's {@link RpcServer}, whose pipeline per connection is: frame
 * decoder (refuses a frame over {@link FrameDecoder#DEFAULT_MAX_FRAME_BYTES} from its header) →
 * frame encoder → cluster-secret handshake → dispatch to a pool of {@value #HANDLER_THREADS}
 * handler threads running {@link ChunkRequestHandler}, where all disk I/O happens.
 */
public final class DataNode implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(DataNode.class);

    /** Chunk requests served at once: disk-bound, so a few more than the cores. */
    static final int HANDLER_THREADS = 8;
    static final String LOCK_FILE = "lock";
    static final String NODE_ID_FILE = "node-id";
    static final String CHUNKS_DIR = FileChunkStore.CHUNKS_DIR;
    static final String INDEX_DIR = FileChunkStore.INDEX_DIR;

    private final DataConfig config;
    private final FileChannel lockChannel;
    private final ChunkStore store;
    private final RpcServer server;
    private final Heartbeats heartbeats;
    private final AtomicBoolean closed = new AtomicBoolean();

    private DataNode(DataConfig config, FileChannel lockChannel, ChunkStore store, RpcServer server,
            Heartbeats heartbeats) {
        this.config = config;
        this.lockChannel = lockChannel;
        this.store = store;
        this.server = server;
        this.heartbeats = heartbeats;
    }

    /**
     * Locks the directory, opens the chunk store, starts serving and, with a metadata address,
     * starts registering.
     *
     * @throws FsException {@code EBUSY} when another data node holds the directory; {@code EIO}
     *     when the directory, the chunk store or the node id file cannot be used, or the address
     *     cannot be bound
     */
    public static DataNode start(DataConfig config) throws IOException {
        FileChannel lockChannel = lock(config.dir());
        ChunkStore store = null;
        RpcServer server = null;
        try {
            store = FileChunkStore.open(config.dir().resolve(CHUNKS_DIR), config.dir().resolve(INDEX_DIR),
                    config.capacityBytes(), FileChunkStore.DEFAULT_OPEN_FILES);
            server = RpcServer.start("data", new InetSocketAddress(config.host(), config.port()), config.secret(),
                    FrameType.CHUNK_REQUEST, new ChunkRequestHandler(store), HANDLER_THREADS,
                    FrameDecoder.DEFAULT_MAX_FRAME_BYTES);
            Heartbeats heartbeats = config.metaAddress() == null ? null
                    : Heartbeats.start(config.metaAddress(), config.secret(), config.dir().resolve(NODE_ID_FILE),
                            advertised(server.address()), store, config.heartbeatIntervalMillis());
            LOG.info("data node serving {} on {}", config.dir(), server.address());
            return new DataNode(config, lockChannel, store, server, heartbeats);
        } catch (Exception e) {
            closeAll(server, store, lockChannel);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while starting the data node in " + config.dir());
            }
            if (e instanceof FsException fs) {
                throw fs;
            }
            // Binding fails with a java.net.BindException that Netty throws undeclared.
            throw new FsException(Errno.EIO, "cannot start the data node in " + config.dir() + " on "
                    + config.host() + ":" + config.port() + ": " + e, e);
        }
    }

    /** Takes the directory's lock file for as long as the returned channel stays open. */
    private static FileChannel lock(Path dir) throws FsException {
        Path lockFile = dir.resolve(LOCK_FILE);
        FileChannel channel;
        try {
            Files.createDirectories(dir);
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new FsException(Errno.EIO, "cannot use " + dir + " as a data node directory: "
                    + IoErrors.describe(e), e);
        }
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException heldInThisProcess) {
            lock = null;
        } catch (IOException e) {
            closeAll(channel);
            throw new FsException(Errno.EIO, "cannot lock " + lockFile + ": " + e, e);
        }
        if (lock == null) {
            closeAll(channel);
            throw new FsException(Errno.EBUSY, "data node directory " + dir
                    + " is in use by another data node (it holds " + lockFile + ")");
        }
        return channel;
    }

    /** The address to tell the metadata server: the bound one, or this host's for a wildcard bind. */
    private static InetSocketAddress advertised(InetSocketAddress bound) {
        if (!bound.getAddress().isAnyLocalAddress()) {
            return new InetSocketAddress(bound.getAddress().getHostAddress(), bound.getPort());
        }
        try {
            return new InetSocketAddress(InetAddress.getLocalHost().getHostAddress(), bound.getPort());
        } catch (UnknownHostException e) {
            LOG.warn("listening on {} but this host's address is unknown ({}); advertising loopback", bound,
                    e.getMessage());
            return new InetSocketAddress(InetAddress.getLoopbackAddress().getHostAddress(), bound.getPort());
        }
    }

    /** Where the chunk service listens. */
    public InetSocketAddress address() {
        return server.address();
    }

    /** Whether writes to chunks of the inode are waiting for a sync on this node. */
    public boolean hasUnsynced(InodeId inode) {
        return store.hasUnsynced(inode);
    }

    /** The id the metadata server assigned and acknowledged in this run; 0 until then, and when standalone. */
    public int nodeId() {
        return heartbeats == null ? 0 : heartbeats.nodeId();
    }

    /** Completes with the refusal if the metadata server refuses the node's cluster secret; never without one. */
    public CompletableFuture<FsException> refused() {
        return heartbeats == null ? new CompletableFuture<>() : heartbeats.refused();
    }

    /** Stops heartbeats, then serving, then closes the store and releases the directory. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        closeAll(heartbeats, server, store, lockChannel);
        LOG.info("data node in {} stopped", config.dir());
    }

    private static void closeAll(Closeable... closeables) {
        for (Closeable c : closeables) {
            if (c == null) {
                continue;
            }
            try {
                c.close();
            } catch (IOException | RuntimeException e) {
                LOG.warn("closing {} failed: {}", c, e.toString());
            }
        }
    }
}
