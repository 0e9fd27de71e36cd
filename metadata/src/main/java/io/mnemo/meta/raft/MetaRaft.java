package io.mnemo.meta.raft;

import com.google.protobuf.InvalidProtocolBufferException;
import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.proto.MetaCommand;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.meta.ops.OpRunner;
import io.mnemo.meta.store.MetaStore;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientAsynchronousProtocol;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metadata Raft group's local peer: a Ratis server running {@link MetaStateMachine} over
 * the store, and the in-process {@link Proposer} that submits commands to it directly (no
 * client RPC hop). One peer for now: the group has a fixed id and the peer is {@code meta-0}.
 *
 * <p>Durability (DESIGN.md, "Durability"): Ratis fsyncs the log before an entry commits, and
 * syncs once for everything queued meanwhile (group commit). With a zero
 * {@link RaftSettings#logFlushDelay()} a command is answered when its entry commits, so every
 * answer survives a power cut. Otherwise it is answered as soon as it is applied, while its entry
 * is appended (see {@link MetaStateMachine}), and the log catches up within about one fsync;
 * should it fall behind by more than the delay, new commands wait for it. {@link #sync()} is the
 * barrier behind {@code fsync} and {@code fsyncdir}, and a clean close syncs everything.
 */
public final class MetaRaft implements Proposer {
    private static final Logger LOG = LoggerFactory.getLogger(MetaRaft.class);
    /** The metadata group of partition 0. */
    static final RaftGroupId GROUP_ID = RaftGroupId.valueOf(UUID.fromString("6d6e656d-6f00-4d45-5441-000000000000"));
    static final RaftPeerId PEER_ID = RaftPeerId.valueOf("meta-0");
    /** Ratis's limit on a log entry (its appender buffer), set explicitly because of the next one. */
    private static final SizeInBytes ENTRY_BYTE_LIMIT = SizeInBytes.valueOf("4MB");
    /**
     * The largest command proposed. Ratis refuses an entry past its limit only after the state
     * machine has seen it, too late for an answer given early, so larger ones are refused here;
     * none is legitimately that large (inline contents are at most 1 MiB). The margin is for the
     * entry's own fields.
     */
    private static final int COMMAND_BYTE_LIMIT = ENTRY_BYTE_LIMIT.getSizeInt() - 64 * 1024;
    private static final long CLOSE_SYNC_TIMEOUT_MILLIS = 30_000;

    private final RaftServer server;
    private final MetaStateMachine stateMachine;
    private final boolean answerEarly;
    private final long logFlushDelayNanos;
    private final ClientId clientId = ClientId.randomId();
    private final AtomicLong callIds = new AtomicLong();
    /** The division itself, which takes requests on the caller's thread; null before start. */
    private volatile RaftClientAsynchronousProtocol division;

    private MetaRaft(RaftServer server, MetaStateMachine stateMachine, RaftSettings settings) {
        this.server = server;
        this.stateMachine = stateMachine;
        this.answerEarly = settings.delaysLogFlush();
        this.logFlushDelayNanos = settings.logFlushDelay().toNanos();
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
        // Early answers are only right while this peer is the whole group (see MetaStateMachine).
        MetaStateMachine stateMachine = new MetaStateMachine(store, ops, settings.delaysLogFlush());
        RaftServer server = RaftServer.newBuilder()
                .setServerId(PEER_ID)
                .setGroup(group)
                .setStateMachine(stateMachine)
                .setProperties(props)
                .setOption(exists ? RaftStorage.StartupOption.RECOVER : RaftStorage.StartupOption.FORMAT)
                .build();
        MetaRaft raft = new MetaRaft(server, stateMachine, settings);
        try {
            server.start();
            raft.awaitLeaderReady(settings.leaderTimeout().toMillis());
            raft.division = direct(server.getDivision(GROUP_ID));
            return raft;
        } catch (IOException | RuntimeException e) {
            raft.close();
            throw e;
        }
    }

    /**
     * The division as a client protocol, when it is one: submitting to it runs on the caller's
     * thread, where the server's own entry point would first hand the request to its client
     * executor and block until that thread has submitted it (a thread hop per command). On the
     * caller's thread is also where an early answer is given.
     */
    private static RaftClientAsynchronousProtocol direct(RaftServer.Division division) {
        if (division instanceof RaftClientAsynchronousProtocol p) {
            return p;
        }
        LOG.warn("the Ratis division is no {}; proposing through the server", RaftClientAsynchronousProtocol.class);
        return null;
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
        RaftServerConfigKeys.Log.Appender.setBufferByteLimit(props, ENTRY_BYTE_LIMIT);
        // Group commit: the log worker syncs once for everything queued, and at least every 64 entries.
        RaftServerConfigKeys.Log.setForceSyncNum(props, 64);
        // Not Ratis's unsafe flush, which commits unsynced entries: it queues one background fsync per
        // write with no coalescing, and at a few thousand commands a second that queue grows by seconds
        // of fsyncs, all waited for at the next segment roll. Early answers need no unsafe commits.
        RaftServerConfigKeys.Log.setUnsafeFlushEnabled(props, false);
        // Every write request gets a retry-cache entry holding its reply until it expires. The in-process
        // proposer never retries, and at tens of thousands of commands a second the default minute is
        // hundreds of MB of garbage.
        RaftServerConfigKeys.RetryCache.setExpiryTime(props, TimeDuration.valueOf(5, TimeUnit.SECONDS));
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(props, true);
        // Commit-index records would be a second log entry (and fsync) per command; a new leader
        // re-establishes the commit index by committing an entry of its own term anyway.
        RaftServerConfigKeys.Log.setLogMetadataEnabled(props, false);
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(props, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(props, settings.snapshotEveryEntries());
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(props, 1);
        // The owner flushes the store on a clean close; a snapshot on stop would only slow it down.
        RaftServerConfigKeys.Snapshot.setTriggerWhenStopEnabled(props, false);
        RaftServerConfigKeys.Rpc.setTimeoutMin(props, TimeDuration.valueOf(150, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(props, TimeDuration.valueOf(300, TimeUnit.MILLISECONDS));
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
        if (answerEarly && stateMachine.oldestUnsyncedNanos() > logFlushDelayNanos) {
            // The log is further behind the answers than allowed: this one waits until it has caught up.
            return stateMachine.sync().thenCompose(synced -> submit(command));
        }
        return submit(command);
    }

    private CompletableFuture<MetaResponse> submit(MetaCommand command) {
        byte[] bytes = command.toByteArray();
        if (bytes.length > COMMAND_BYTE_LIMIT) {
            return CompletableFuture.failedFuture(new FsException(Errno.EFBIG, "metadata command of " + bytes.length
                    + " bytes exceeds the limit of " + COMMAND_BYTE_LIMIT));
        }
        // Early or not, for every command alike: an entry applied at commit behind entries applied
        // early would be taken for one the store holds.
        Proposal proposal = answerEarly ? new Proposal(command, bytes) : null;
        RaftClientRequest request = RaftClientRequest.newBuilder()
                .setClientId(clientId)
                .setServerId(PEER_ID)
                .setGroupId(GROUP_ID)
                .setCallId(callIds.incrementAndGet())
                .setMessage(proposal != null ? proposal : Message.valueOf(UnsafeByteOperations.unsafeWrap(bytes)))
                .setType(RaftClientRequest.writeRequestType())
                .build();
        CompletableFuture<RaftClientReply> reply;
        try {
            RaftClientAsynchronousProtocol target = division;
            reply = target != null ? target.submitClientRequestAsync(request) : server.submitClientRequestAsync(request);
        } catch (IOException e) {
            return CompletableFuture.failedFuture(new FsException(Errno.EIO, "cannot propose: " + e.getMessage(), e));
        }
        if (proposal == null) {
            return reply.thenApply(MetaRaft::response);
        }
        // Usually answered already, on this thread. If Ratis refused the entry before appending it,
        // the refusal is the answer; if it fails an entry it has appended, the answer stands (the
        // store holds the command, and the log failure stops the server).
        reply.whenComplete((r, error) -> {
            if (proposal.answer().isDone()) {
                if (error != null || !r.isSuccess()) {
                    LOG.error("metadata command {} was answered but its log entry failed: {}", command.getOpCase(),
                            error != null ? error : r.getException());
                }
                return;
            }
            if (error != null) {
                proposal.answer().completeExceptionally(error);
                return;
            }
            try {
                proposal.answer().complete(response(r));
            } catch (CompletionException e) {
                proposal.answer().completeExceptionally(e.getCause());
            }
        });
        return proposal.answer();
    }

    private static MetaResponse response(RaftClientReply reply) {
        if (!reply.isSuccess()) {
            RaftException e = reply.getException();
            Errno errno = reply.getNotLeaderException() != null || reply.getLeaderNotReadyException() != null
                    ? Errno.EAGAIN : Errno.EIO;
            throw new CompletionException(new FsException(errno, "metadata command failed: "
                    + (e == null ? "unknown Raft error" : e.getMessage()), e));
        }
        if (reply.getMessage() instanceof MetaStateMachine.Answer answer) {
            return answer.response();
        }
        try {
            return MetaResponse.parseFrom(reply.getMessage().getContent().asReadOnlyByteBuffer());
        } catch (InvalidProtocolBufferException e) {
            throw new CompletionException(new FsException(Errno.EIO, "unreadable metadata reply", e));
        }
    }

    /**
     * The durability barrier: completes once every command answered before the call is synced to
     * the log on disk, and so survives a power cut. Concurrent callers share Ratis's next fsync;
     * nothing is waited for when the log has caught up already, and always so with a zero
     * {@link RaftSettings#logFlushDelay()}. Fails with EIO once the peer is closed with entries
     * unsynced.
     */
    @Override
    public CompletableFuture<Void> sync() {
        return stateMachine.sync();
    }

    @Override
    public boolean hasUnsynced() {
        return stateMachine.oldestUnsyncedNanos() > 0;
    }

    /**
     * Applies nothing new; takes a snapshot (flush plus checkpoint) of everything answered so far and
     * lets Ratis purge the log. Returns its index.
     */
    public long takeSnapshot() throws IOException {
        awaitSync(); // Ratis snapshots what has committed
        RaftClientReply reply = server.snapshotManagement(SnapshotManagementRequest.newCreate(clientId, PEER_ID,
                GROUP_ID, callIds.incrementAndGet(), 30_000, 1)); // gap 1: snapshot whenever anything is new
        if (!reply.isSuccess()) {
            throw new FsException(Errno.EIO, "snapshot failed: " + reply.getException());
        }
        return reply.getLogIndex();
    }

    /** The index of the last log entry applied to the store. */
    public long appliedIndex() {
        return stateMachine.heldIndex();
    }

    /** The index of the newest snapshot, or -1. */
    public long snapshotIndex() {
        var s = stateMachine.getLatestSnapshot();
        return s == null ? -1 : s.getIndex();
    }

    /**
     * Stops the peer after every answered command is synced and every committed entry applied; the
     * store stays open (its owner closes it). Later {@link #sync()} calls fail if they would wait.
     */
    @Override
    public void close() throws IOException {
        if (division != null) {
            try {
                awaitSync(); // Ratis's log worker drops what it has not written when it stops
            } catch (IOException e) {
                LOG.warn("closing the metadata Raft peer with unsynced entries: {}", e.getMessage());
            }
        }
        server.close();
    }

    private void awaitSync() throws IOException {
        try {
            sync().get(CLOSE_SYNC_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FsException(Errno.EIO, "interrupted while syncing the metadata log");
        } catch (ExecutionException e) {
            throw new FsException(Errno.EIO, "cannot sync the metadata log: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new FsException(Errno.ETIMEDOUT, "the metadata log did not sync in " + CLOSE_SYNC_TIMEOUT_MILLIS
                    + " ms");
        }
    }
}
