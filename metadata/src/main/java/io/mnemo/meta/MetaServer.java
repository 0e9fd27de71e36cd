package io.mnemo.meta;

import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.FileType;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.net.FrameDecoder;
import io.mnemo.core.net.FrameType;
import io.mnemo.core.net.InProcess;
import io.mnemo.core.net.Ports;
import io.mnemo.core.net.RpcServer;
import io.mnemo.core.client.MetaService;
import io.mnemo.core.proto.Caller;
import io.mnemo.core.proto.CreateReq;
import io.mnemo.core.proto.MetaCommand;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.meta.cluster.LayoutPolicy;
import io.mnemo.meta.cluster.NodeRegistry;
import io.mnemo.meta.gc.ChunkCollector;
import io.mnemo.meta.gc.DataNodeClients;
import io.mnemo.meta.ops.OpRunner;
import io.mnemo.meta.raft.LocalLog;
import io.mnemo.meta.raft.MetaRaft;
import io.mnemo.meta.raft.Proposer;
import io.mnemo.meta.raft.RaftSettings;
import io.mnemo.meta.session.Sessions;
import io.mnemo.meta.store.MetaStore;
import io.mnemo.meta.store.Schema;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A metadata server: the namespace store, its single-peer Raft group, the cluster manager,
 * the chunk collector and the metadata RPC endpoint, started together and closed together.
 * Everything lives under {@link MetaConfig#dir()}, which one process at a time may use; a
 * restart on the same directory finds every acknowledged change.
 */
public final class MetaServer implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(MetaServer.class);
    private static final int RPC_THREADS = 8;
    private static final long DATA_NODE_TIMEOUT_MILLIS = 10_000;
    private static final Duration LEADER_TIMEOUT = Duration.ofSeconds(30);

    private final MetaConfig config;
    private final FileChannel lockChannel;
    private final MetaStore store;
    private final Proposer log;
    private final DataNodeClients dataNodes;
    private final ChunkCollector collector;
    private final RpcServer rpc;
    /** Clients in this JVM call the handler directly while this is open. */
    private final InProcess.Handle inProcess;
    @GuardedBy("this")
    private boolean closed;

    private MetaServer(MetaConfig config, FileChannel lockChannel, MetaStore store, Proposer log,
            DataNodeClients dataNodes, ChunkCollector collector, RpcServer rpc, InProcess.Handle inProcess) {
        this.config = config;
        this.lockChannel = lockChannel;
        this.store = store;
        this.log = log;
        this.dataNodes = dataNodes;
        this.collector = collector;
        this.rpc = rpc;
        this.inProcess = inProcess;
    }

    /**
     * Opens (or creates) the state in {@code config.dir()}, replays its log into the store,
     * formats an empty namespace, and starts serving. A new namespace's root directory (mode
     * 0755) belongs to the owner of {@code config.dir()}, so that whoever starts the server, root
     * or not, can use the file system it mounts (as {@code mke2fs -E root_owner} does).
     *
     * @throws FsException EBUSY if another process (or server) uses the directory
     */
    public static MetaServer start(MetaConfig config) throws IOException {
        Files.createDirectories(config.dir());
        Deque<AutoCloseable> opened = new ArrayDeque<>();
        try {
            FileChannel lock = lock(config.dir());
            opened.push(lock);
            boolean local = config.log() == MetaConfig.Log.LOCAL;
            Path db = config.dir().resolve("db");
            MetaStore store = local ? MetaStore.openLogged(db) : MetaStore.open(db);
            opened.push(new FlushingClose(store));
            OpRunner ops = new OpRunner(config.inlineThresholdBytes());
            RaftSettings raftSettings = new RaftSettings(config.dir().resolve("raft"), config.host(), config.raftPort(),
                    config.snapshotEveryEntries(), LEADER_TIMEOUT, config.logFlushDelay());
            Proposer log;
            if (local) {
                replayRaftLog(store, ops, raftSettings);
                LocalLog localLog = LocalLog.start(store, ops, config.logFlushDelay());
                opened.push(localLog);
                log = localLog;
            } else {
                Ports.requireFree(config.host(), config.raftPort(), "--raft-port"); // Ratis would log a stack trace
                MetaRaft raft = MetaRaft.start(store, ops, raftSettings);
                opened.push(raft);
                log = raft;
            }
            InstantSource clock = InstantSource.system();
            formatIfEmpty(store, log, clock.instant(), config.dir());

            NodeRegistry registry = new NodeRegistry(store, config.nodeLease(), System::nanoTime);
            LayoutPolicy layouts = new LayoutPolicy(store, registry, config.defaultChunkSizeBytes(),
                    config.defaultStripeCount());
            DataNodeClients dataNodes = new DataNodeClients(config.secret(), DATA_NODE_TIMEOUT_MILLIS);
            opened.push(dataNodes);
            // Clients renew their sessions as data nodes renew theirs: one lease length for both.
            Sessions sessions = new Sessions(config.nodeLease(), System::nanoTime);
            ChunkCollector collector = new ChunkCollector(store, registry, log, dataNodes, sessions::isOpen);
            opened.push(collector);
            MetaRequestHandler handler = new MetaRequestHandler(store, log, InodeAllocator.from(store), layouts,
                    registry, sessions, clock, config.inlineThresholdBytes());
            RpcServer rpc = RpcServer.start("meta", new InetSocketAddress(config.host(), config.port()),
                    config.secret(), FrameType.META_REQUEST, handler, RPC_THREADS, FrameDecoder.DEFAULT_MAX_FRAME_BYTES);
            opened.push(rpc);
            InProcess.Handle inProcess = InProcess.register(rpc.address(), MetaService.class, config.secret(), handler);
            opened.push(inProcess);
            collector.start(config.gcInterval());
            MetaServer server = new MetaServer(config, lock, store, log, dataNodes, collector, rpc, inProcess);
            LOG.info("metadata server serving {} from {}", rpc.address(), config.dir());
            return server;
        } catch (IOException | RuntimeException e) {
            closeAll(opened, e);
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            FsException failure = new FsException(Errno.EIO, "interrupted while starting the metadata server");
            closeAll(opened, failure);
            throw failure;
        }
    }

    public InetSocketAddress address() {
        return rpc.address();
    }

    /** Whether a change was answered that is not synced to the log yet (see {@link Proposer#sync()}). */
    public boolean hasUnsyncedAnswers() {
        return log.hasUnsynced();
    }

    public MetaConfig config() {
        return config;
    }

    /**
     * Stops serving, stops the Raft peer (after it has applied every committed entry), flushes and
     * closes the store, and releases the directory.
     */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        Deque<AutoCloseable> parts = new ArrayDeque<>();
        parts.push(lockChannel);
        parts.push(new FlushingClose(store));
        parts.push(log);
        parts.push(dataNodes);
        parts.push(collector);
        parts.push(rpc);
        parts.push(inProcess);
        IOException failure = null;
        for (AutoCloseable part : parts) {
            try {
                part.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IOException("closing the metadata server failed", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static FileChannel lock(Path dir) throws IOException {
        Path file = dir.resolve("LOCK");
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            channel.close();
            throw new FsException(Errno.EBUSY, "metadata directory " + dir + " is in use by another metadata server");
        }
        return channel;
    }

    /**
     * A directory last run with a Raft log and now with its own: replays that log into the store,
     * flushes the store and removes the log, which a later Raft log must not meet.
     */
    private static void replayRaftLog(MetaStore store, OpRunner ops, RaftSettings settings) throws IOException {
        if (!Files.isDirectory(settings.dir())) {
            return;
        }
        LOG.info("replaying the Raft log in {}; the store logs its own changes from now on", settings.dir());
        MetaRaft.start(store, ops, settings).close(); // answers nothing new: replays, and applies all on close
        store.flush();
        MoreFiles.deleteRecursively(settings.dir(), RecursiveDeleteOption.ALLOW_INSECURE);
    }

    /** The first start proposes the root directory through the log, so that replicas format identically. */
    private static void formatIfEmpty(MetaStore store, Proposer log, Instant now, Path dir) throws IOException,
            InterruptedException {
        if (store.get(Schema.INODE, InodeId.ROOT).isPresent()) {
            return;
        }
        MetaCommand format = MetaCommand.newBuilder()
                .setNowNs(now.getEpochSecond() * 1_000_000_000L + now.getNano())
                .setCaller(ownerOf(dir))
                .setNewInode(InodeId.ROOT.value())
                .setCreate(CreateReq.newBuilder().setParent(0).setType(FileType.DIRECTORY.ordinal()).setMode(0755))
                .build();
        try {
            MetaResponse response = log.propose(format).get();
            if (response.getErrno() != 0) {
                throw new FsException(Errno.fromCode(response.getErrno()), "formatting failed: " + response.getMessage());
            }
            LOG.info("formatted a new namespace in {}", store.dir());
        } catch (ExecutionException e) {
            throw new FsException(Errno.EIO, "formatting failed: " + e.getCause(), e.getCause());
        }
    }

    /** The uid and gid owning {@code dir}; root where the file system does not say. */
    private static Caller ownerOf(Path dir) throws IOException {
        try {
            return Caller.newBuilder()
                    .setUid((Integer) Files.getAttribute(dir, "unix:uid"))
                    .setGid((Integer) Files.getAttribute(dir, "unix:gid"))
                    .build();
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            return Caller.getDefaultInstance();
        }
    }

    private static void closeAll(Deque<AutoCloseable> opened, Exception failure) {
        for (AutoCloseable c : opened) {
            try {
                c.close();
            } catch (Exception e) {
                failure.addSuppressed(e);
            }
        }
    }

    /** Closing the store on a clean shutdown: flush first, so the next start replays nothing. */
    private record FlushingClose(MetaStore store) implements AutoCloseable {
        @Override
        public void close() {
            try {
                store.flush();
            } finally {
                store.close();
            }
        }
    }
}
