package io.mnemo.meta.raft;

import com.google.protobuf.InvalidProtocolBufferException;
import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.proto.MetaCommand;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.meta.ops.OpRunner;
import io.mnemo.meta.store.MetaStore;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SnapshotManagementRequest;
import org.apache.ratis.protocol.exceptions.RaftException;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * The metadata Raft group's local peer: a Ratis server running {@link MetaStateMachine} over
 * the store, and the in-process {@link Proposer} that submits commands to it directly (no
 * client RPC hop). One peer for now: the group has a fixed id and the peer is {@code meta-0}.
 *
 * <p>Durability: the log is fsynced before an entry commits, and entries that arrive while
 * a sync runs are synced together (Ratis's log worker batches them), so an acknowledged
 * command survives a crash.
 */
public final class MetaRaft implements Proposer, Closeable {
    /** The metadata group of partition 0. */
    static final RaftGroupId GROUP_ID = RaftGroupId.valueOf(UUID.fromString("6d6e656d-6f00-4d45-5441-000000000000"));
    static final RaftPeerId PEER_ID = RaftPeerId.valueOf("meta-0");

    private final RaftServer server;
    private final MetaStateMachine stateMachine;
    private final ClientId clientId = ClientId.randomId();
    private final AtomicLong callIds = new AtomicLong();

    private MetaRaft(RaftServer server, MetaStateMachine stateMachine) {
        this.server = server;
        this.stateMachine = stateMachine;
    }

    /** {@link #start(MetaStore, OpRunner, RaftSettings)} with the default inline threshold. */
    public static MetaRaft start(MetaStore store, RaftSettings settings) throws IOException {
        return start(store, new OpRunner(OpRunner.DEFAULT_INLINE_THRESHOLD_BYTES), settings);
    }

    /**
     * Starts the peer over {@code store}, applying commands with {@code ops}, and waits until it
     * leads with every committed entry applied.
     */
    public static MetaRaft start(MetaStore store, OpRunner ops, RaftSettings settings) throws IOException {
        Files.createDirectories(settings.dir());
        RaftProperties props = properties(settings);
        RaftPeer peer = RaftPeer.newBuilder().setId(PEER_ID).setAddress(settings.host() + ":" + settings.port()).build();
        RaftGroup group = RaftGroup.valueOf(GROUP_ID, peer);
        boolean exists = Files.isDirectory(settings.dir().resolve(GROUP_ID.getUuid().toString()));
        MetaStateMachine stateMachine = new MetaStateMachine(store, ops);
        RaftServer server = RaftServer.newBuilder()
                .setServerId(PEER_ID)
                .setGroup(group)
                .setStateMachine(stateMachine)
                .setProperties(props)
                .setOption(exists ? RaftStorage.StartupOption.RECOVER : RaftStorage.StartupOption.FORMAT)
                .build();
        MetaRaft raft = new MetaRaft(server, stateMachine);
        try {
            server.start();
            raft.awaitLeaderReady(settings.leaderTimeout().toMillis());
            return raft;
        } catch (IOException | RuntimeException e) {
            raft.close();
            throw e;
        }
    }

    private static RaftProperties properties(RaftSettings settings) {
        RaftProperties props = new RaftProperties();
        RaftConfigKeys.Rpc.setType(props, SupportedRpcType.GRPC);
        GrpcConfigKeys.Server.setHost(props, settings.host());
        GrpcConfigKeys.Server.setPort(props, settings.port());
        RaftServerConfigKeys.setStorageDir(props, List.of(settings.dir().toFile()));
        // Small segments keep start-up replay and purging quick; the defaults suit big logs.
        RaftServerConfigKeys.Log.setSegmentSizeMax(props, SizeInBytes.valueOf("8MB"));
        RaftServerConfigKeys.Log.setPreallocatedSize(props, SizeInBytes.valueOf("1MB"));
        RaftServerConfigKeys.Log.setSegmentCacheNumMax(props, 2);
        // Group commit: the log worker syncs once for everything queued, and at least every 64 entries.
        RaftServerConfigKeys.Log.setForceSyncNum(props, 64);
        RaftServerConfigKeys.Log.setUnsafeFlushEnabled(props, false);
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(props, true);
        // Commit-index records would be a second log entry (and fsync) per command; a new leader
        // re-establishes the commit index by committing an entry of its own term anyway.
        RaftServerConfigKeys.Log.setLogMetadataEnabled(props, false);
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(props, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(props, settings.snapshotEveryEntries());
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(props, 1);
        // The owner flushes the store on a clean close; a snapshot on stop would only slow it down.
        RaftServerConfigKeys.Snapshot.setTriggerWhenStopEnabled(props, false);
        RaftServerConfigKeys.Rpc.setTimeoutMin(props, TimeDuration.valueOf(150, java.util.concurrent.TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(props, TimeDuration.valueOf(300, java.util.concurrent.TimeUnit.MILLISECONDS));
        return props;
    }

    private void awaitLeaderReady(long timeoutMillis) throws IOException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
        while (true) {
            DivisionInfo info = server.getDivision(GROUP_ID).getInfo();
            if (info.isLeader() && info.isLeaderReady()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new FsException(Errno.ETIMEDOUT, "metadata Raft peer did not become leader in "
                        + timeoutMillis + " ms (role " + info.getCurrentRole() + ")");
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new FsException(Errno.EIO, "interrupted while waiting for leadership");
            }
        }
    }

    @Override
    public CompletableFuture<MetaResponse> propose(MetaCommand command) {
        RaftClientRequest request = RaftClientRequest.newBuilder()
                .setClientId(clientId)
                .setServerId(PEER_ID)
                .setGroupId(GROUP_ID)
                .setCallId(callIds.incrementAndGet())
                .setMessage(Message.valueOf(UnsafeByteOperations.unsafeWrap(command.toByteArray())))
                .setType(RaftClientRequest.writeRequestType())
                .build();
        CompletableFuture<RaftClientReply> reply;
        try {
            reply = server.submitClientRequestAsync(request);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(new FsException(Errno.EIO, "cannot propose: " + e.getMessage(), e));
        }
        return reply.thenApply(MetaRaft::response);
    }

    private static MetaResponse response(RaftClientReply reply) {
        if (!reply.isSuccess()) {
            RaftException e = reply.getException();
            Errno errno = reply.getNotLeaderException() != null || reply.getLeaderNotReadyException() != null
                    ? Errno.EAGAIN : Errno.EIO;
            throw new CompletionException(new FsException(errno, "metadata command failed: "
                    + (e == null ? "unknown Raft error" : e.getMessage()), e));
        }
        try {
            return MetaResponse.parseFrom(reply.getMessage().getContent().asReadOnlyByteBuffer());
        } catch (InvalidProtocolBufferException e) {
            throw new CompletionException(new FsException(Errno.EIO, "unreadable metadata reply", e));
        }
    }

    /** Applies nothing new; takes a snapshot (flush plus checkpoint) and lets Ratis purge the log. Returns its index. */
    public long takeSnapshot() throws IOException {
        RaftClientReply reply = server.snapshotManagement(SnapshotManagementRequest.newCreate(clientId, PEER_ID,
                GROUP_ID, callIds.incrementAndGet(), 30_000, 1)); // gap 1: snapshot whenever anything is new
        if (!reply.isSuccess()) {
            throw new FsException(Errno.EIO, "snapshot failed: " + reply.getException());
        }
        return reply.getLogIndex();
    }

    /** The index of the last log entry applied to the store. */
    public long appliedIndex() {
        return stateMachine.getLastAppliedTermIndex().getIndex();
    }

    /** The index of the newest snapshot, or -1. */
    public long snapshotIndex() {
        var s = stateMachine.getLatestSnapshot();
        return s == null ? -1 : s.getIndex();
    }

    /** Stops the peer after applying every committed entry; the store stays open (its owner closes it). */
    @Override
    public void close() throws IOException {
        server.close();
    }
}
