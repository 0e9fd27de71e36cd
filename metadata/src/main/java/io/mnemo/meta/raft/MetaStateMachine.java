package io.mnemo.meta.raft;

import com.google.protobuf.InvalidProtocolBufferException;
import io.mnemo.core.proto.MetaCommand;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.meta.ops.OpRunner;
import io.mnemo.meta.store.Applied;
import io.mnemo.meta.store.MetaStore;
import io.mnemo.meta.store.Schema;
import io.mnemo.meta.store.Txn;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies committed {@link MetaCommand}s to the {@link MetaStore}: each entry is one
 * transaction, committed as one batch together with the entry's term and index.
 *
 * <p>Recovery: RocksDB runs without its own WAL, so after a crash the store holds the state of
 * some applied index {@code A} (flushes are atomic), at least the latest snapshot's. Ratis
 * replays the log from the latest snapshot's index + 1 (it starts its applier there; see
 * {@code ServerState.initStatemachine}), and entries at or below {@code A} are skipped here,
 * which is what makes replay exact. A snapshot flushes the store first, so Ratis may purge the
 * log up to it.
 */
public final class MetaStateMachine extends BaseStateMachine {
    private static final Logger LOG = LoggerFactory.getLogger(MetaStateMachine.class);
    private static final Message ALREADY_APPLIED = Message.valueOf(UnsafeByteOperations.unsafeWrap(
            MetaResponse.newBuilder().setMessage("already applied").build().toByteArray()));

    private final MetaStore store;
    private final OpRunner ops;
    private final RocksSnapshots snapshots = new RocksSnapshots();

    public MetaStateMachine(MetaStore store, OpRunner ops) {
        this.store = store;
        this.ops = ops;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage storage) throws IOException {
        super.initialize(server, groupId, storage);
        snapshots.init(storage);
        Applied applied = store.get(Schema.APPLIED).orElse(Applied.NONE);
        setLastAppliedTermIndex(TermIndex.valueOf(applied.term(), applied.index()));
        SnapshotInfo snapshot = snapshots.getLatestSnapshot();
        if (snapshot != null && applied.index() < snapshot.getIndex()) {
            // The log before the snapshot may be purged: replaying onto this store would skip entries.
            throw new IOException("the metadata store in " + store.dir() + " has applied index " + applied.index()
                    + ", older than the snapshot at " + snapshot.getIndex() + " (was it replaced?); restore it from "
                    + snapshots.getSnapshotDir());
        }
        LOG.info("metadata store has applied index {}; Ratis replays from {}", applied.index(),
                snapshot == null ? 0 : snapshot.getIndex() + 1);
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return snapshots;
    }

    @Override
    public SnapshotInfo getLatestSnapshot() {
        return snapshots.getLatestSnapshot();
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        if (entry.getIndex() <= getLastAppliedTermIndex().getIndex()) {
            return CompletableFuture.completedFuture(ALREADY_APPLIED);
        }
        MetaCommand command;
        try {
            command = MetaCommand.parseFrom(entry.getStateMachineLogEntry().getLogData().asReadOnlyByteBuffer());
        } catch (InvalidProtocolBufferException e) {
            // Throwing stops the server: a log entry we cannot read is corruption.
            throw new IllegalStateException("unreadable metadata command at index " + entry.getIndex(), e);
        }
        Txn txn = store.begin();
        MetaResponse response = ops.apply(txn, command);
        txn.put(Schema.APPLIED, new Applied(entry.getTerm(), entry.getIndex()));
        store.commit(txn);
        updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
        return CompletableFuture.completedFuture(Message.valueOf(UnsafeByteOperations.unsafeWrap(response.toByteArray())));
    }

    /** Entries without a command (elections, configuration) advance the applied index too. */
    @Override
    public void notifyTermIndexUpdated(long term, long index) {
        if (index <= getLastAppliedTermIndex().getIndex()) {
            return;
        }
        Txn txn = store.begin();
        txn.put(Schema.APPLIED, new Applied(term, index));
        store.commit(txn);
        updateLastAppliedTermIndex(term, index);
    }

    @Override
    public long takeSnapshot() throws IOException {
        TermIndex applied = getLastAppliedTermIndex();
        if (applied.getIndex() < 0) {
            return RaftLog.INVALID_LOG_INDEX;
        }
        store.flush();
        snapshots.save(store, applied);
        LOG.info("snapshot at index {}", applied.getIndex());
        return applied.getIndex();
    }

    @Override
    public void reinitialize() throws IOException {
        // Only a follower installing a leader's snapshot needs this, and groups have one peer so far.
        throw new IOException("installing snapshots from another peer is not supported yet");
    }
}
