package io.mnemo.meta.raft;

import com.google.errorprone.annotations.concurrent.GuardedBy;
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
import java.util.concurrent.locks.ReentrantLock;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
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
 * Applies {@link MetaCommand}s to the {@link MetaStore}: each log entry is one transaction,
 * committed as one batch together with the entry's term and index.
 *
 * <h2>When a command is applied</h2>
 * Normally when its entry commits, which with one peer is after the log is fsynced up to it.
 * With {@code answerEarly} (a single-peer group whose log flush may lag, see
 * {@link RaftSettings#logFlushDelay()}), a command proposed in-process ({@link Proposal}) is
 * applied and answered while Ratis appends it, in {@link #preAppendTransaction}: Ratis calls it
 * under the log's write lock, in log order, right before it gives the entry the log's next index
 * in the current term. The proposer thus gets its answer on its own thread, and the entry is
 * written and fsynced afterwards with whatever else is queued (Ratis's group commit). When the
 * entry commits, it is already held and skipped; {@link EarlyAnswers} tracks what was answered
 * but is not synced yet, for {@link MetaRaft#sync()}. This is the R=1 reading of DESIGN.md's
 * durability rule: like a local file system's journal, a power cut (or a crash of this process)
 * loses the last few milliseconds of answers that nobody synced. With more peers, answers must
 * wait for the commit, so it must be off.
 *
 * <h2>Recovery</h2>
 * RocksDB runs without its own WAL, so after a crash the store holds the state after some entry
 * {@code (T, A)} (flushes are atomic), at least the latest snapshot's. Ratis replays the log from
 * the latest snapshot's index + 1 (it starts its applier there; see
 * {@code ServerState.initStatemachine}), and entries the store already holds are skipped here,
 * which is what makes replay exact.
 *
 * <p>"Already held" compares terms first: an entry is held when its (term, index) is at most
 * {@code (T, A)}. Early answers, and RocksDB flushing on its own, let the store get ahead of the
 * durable log: a crash can then take a log tail that the store holds. The log grows again from
 * its last durable entry, in a newer term (Ratis syncs the term at every election), so an index
 * at most {@code A} no longer means an entry the store holds; the term tells them apart. The
 * commands of the lost tail stay applied, as they were answered.
 *
 * <p>A snapshot flushes the store first, so Ratis may purge the log up to it.
 */
public final class MetaStateMachine extends BaseStateMachine {
    private static final Logger LOG = LoggerFactory.getLogger(MetaStateMachine.class);
    private static final Message ALREADY_APPLIED = Message.valueOf(UnsafeByteOperations.unsafeWrap(
            MetaResponse.newBuilder().setMessage("already applied").build().toByteArray()));

    private final MetaStore store;
    private final OpRunner ops;
    private final boolean answerEarly;
    private final EarlyAnswers early = new EarlyAnswers();
    private final RocksSnapshots snapshots = new RocksSnapshots();
    /** Serializes the store's commits: early applies run on proposers' threads, the others on Ratis's applier. */
    private final ReentrantLock applyLock = new ReentrantLock();
    /** The newest entry whose effects the store holds. */
    @GuardedBy("applyLock")
    private TermIndex held;
    private volatile RaftServer.Division division;

    /** A state machine that applies entries, with {@code ops}, when they commit. */
    public MetaStateMachine(MetaStore store, OpRunner ops) {
        this(store, ops, false);
    }

    MetaStateMachine(MetaStore store, OpRunner ops, boolean answerEarly) {
        this.store = store;
        this.ops = ops;
        this.answerEarly = answerEarly;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage storage) throws IOException {
        super.initialize(server, groupId, storage);
        snapshots.init(storage);
        Applied applied = store.get(Schema.APPLIED).orElse(Applied.NONE);
        TermIndex ti = TermIndex.valueOf(applied.term(), applied.index());
        applyLock.lock();
        try {
            held = ti;
        } finally {
            applyLock.unlock();
        }
        setLastAppliedTermIndex(ti);
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

    /** Keeps an in-process {@link Proposal} with the transaction, for {@link #preAppendTransaction}. */
    @Override
    public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
        TransactionContext trx = super.startTransaction(request);
        if (answerEarly && request.getMessage() instanceof Proposal proposal) {
            trx.setStateMachineContext(proposal);
        }
        return trx;
    }

    /** Applies and answers a {@link Proposal} as its entry is appended: see the class comment. */
    @Override
    public TransactionContext preAppendTransaction(TransactionContext trx) throws IOException {
        if (!(trx.getStateMachineContext() instanceof Proposal proposal)) {
            return trx;
        }
        // Ratis holds the log's write lock: the entry gets exactly the next index, in the current term.
        RaftServer.Division d = division();
        TermIndex ti = TermIndex.valueOf(d.getInfo().getCurrentTerm(), d.getRaftLog().getNextIndex());
        MetaResponse response;
        applyLock.lock();
        try {
            response = applyHeld(ti, proposal.command());
            early.answered(ti.getIndex());
        } finally {
            applyLock.unlock();
        }
        proposal.answer().complete(response);
        return trx;
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        TermIndex ti = TermIndex.valueOf(entry);
        Message reply;
        applyLock.lock();
        try {
            if (holds(ti)) {
                reply = ALREADY_APPLIED;
            } else {
                reply = new Answer(applyHeld(ti, command(entry)));
            }
            advanceLastApplied(ti);
        } finally {
            applyLock.unlock();
        }
        early.committed(ti.getIndex());
        return CompletableFuture.completedFuture(reply);
    }

    /** Entries without a command (elections, configuration) advance the applied index too. */
    @Override
    public void notifyTermIndexUpdated(long term, long index) {
        TermIndex ti = TermIndex.valueOf(term, index);
        applyLock.lock();
        try {
            if (!holds(ti)) {
                Txn txn = store.begin();
                txn.put(Schema.APPLIED, new Applied(term, index));
                store.commit(txn);
                held = ti;
            }
            advanceLastApplied(ti);
        } finally {
            applyLock.unlock();
        }
        early.committed(index);
    }

    /** Applies {@code command} as the entry {@code ti} and records it as held. */
    @GuardedBy("applyLock")
    private MetaResponse applyHeld(TermIndex ti, MetaCommand command) {
        Txn txn = store.begin();
        MetaResponse response = ops.apply(txn, command);
        txn.put(Schema.APPLIED, new Applied(ti.getTerm(), ti.getIndex()));
        store.commit(txn);
        held = ti;
        return response;
    }

    /** Whether the store already holds the entry {@code ti}: see the class comment. */
    @GuardedBy("applyLock")
    private boolean holds(TermIndex ti) {
        return ti.getTerm() < held.getTerm() || (ti.getTerm() == held.getTerm() && ti.getIndex() <= held.getIndex());
    }

    /** Ratis's applied index follows the commits; entries the store held already count too. */
    private void advanceLastApplied(TermIndex ti) {
        TermIndex last = getLastAppliedTermIndex();
        if (last == null || ti.getTerm() > last.getTerm()
                || (ti.getTerm() == last.getTerm() && ti.getIndex() > last.getIndex())) {
            updateLastAppliedTermIndex(ti.getTerm(), ti.getIndex());
        }
    }

    private static MetaCommand command(LogEntryProto entry) {
        try {
            return MetaCommand.parseFrom(entry.getStateMachineLogEntry().getLogData().asReadOnlyByteBuffer());
        } catch (InvalidProtocolBufferException e) {
            // Throwing stops the server: a log entry we cannot read is corruption.
            throw new IllegalStateException("unreadable metadata command at index " + entry.getIndex(), e);
        }
    }

    private RaftServer.Division division() throws IOException {
        RaftServer.Division d = division;
        if (d == null) {
            d = getServer().join().getDivision(getGroupId());
            division = d;
        }
        return d;
    }

    /** The index of the newest entry whose effects the store holds. */
    long heldIndex() {
        applyLock.lock();
        try {
            return held.getIndex();
        } finally {
            applyLock.unlock();
        }
    }

    /** See {@link MetaRaft#sync()}. */
    CompletableFuture<Void> sync() {
        return early.sync();
    }

    /** How long the oldest answer whose entry is not synced yet has waited. */
    long oldestUnsyncedNanos() {
        return early.oldestUnsyncedNanos();
    }

    /**
     * Checkpoints the store as the snapshot at the last committed entry. The store may hold more
     * (early answers): replay skips what it holds, so the checkpoint only has to hold at least that.
     */
    @Override
    public long takeSnapshot() throws IOException {
        TermIndex applied = getLastAppliedTermIndex();
        if (applied.getIndex() < 0 || aheadOfTheLog(applied)) {
            return RaftLog.INVALID_LOG_INDEX;
        }
        store.flush();
        snapshots.save(store, applied);
        LOG.info("snapshot at index {}", applied.getIndex());
        return applied.getIndex();
    }

    /**
     * Whether the store holds a state that no entry of the log names (see the class comment): after
     * a crash took the log's tail, until the first entry of the new term is applied.
     */
    private boolean aheadOfTheLog(TermIndex applied) throws IOException {
        RaftLog log = division().getRaftLog();
        TermIndex inLog = log.getTermIndex(applied.getIndex());
        if (inLog != null) {
            return !inLog.equals(applied);
        }
        TermIndex last = log.getLastEntryTermIndex();
        return last == null || applied.getIndex() > last.getIndex(); // otherwise purged: covered by a snapshot
    }

    @Override
    public void reinitialize() throws IOException {
        // Only a follower installing a leader's snapshot needs this, and groups have one peer so far.
        throw new IOException("installing snapshots from another peer is not supported yet");
    }

    @Override
    public void close() throws IOException {
        early.close();
        super.close();
    }

    /**
     * A command's result as Ratis hands it back: the in-process proposer takes the response as it
     * is, without a round trip through bytes; anyone else reads the serialized content.
     */
    record Answer(MetaResponse response) implements Message {
        @Override
        public org.apache.ratis.thirdparty.com.google.protobuf.ByteString getContent() {
            return UnsafeByteOperations.unsafeWrap(response.toByteArray());
        }
    }
}
