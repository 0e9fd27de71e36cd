package io.mnemo.meta.gc;

import io.mnemo.core.model.InodeId;
import io.mnemo.core.model.Layout;
import io.mnemo.core.proto.ChunkRequest;
import io.mnemo.core.proto.ChunkResponse;
import io.mnemo.core.proto.DeleteChunksReq;
import io.mnemo.core.proto.MetaCommand;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.core.proto.PurgeOrphanReq;
import io.mnemo.meta.cluster.NodeRegistry;
import io.mnemo.meta.raft.Proposer;
import io.mnemo.meta.store.ChainRecord;
import io.mnemo.meta.store.Keys;
import io.mnemo.meta.store.MetaStore;
import io.mnemo.meta.store.Row;
import io.mnemo.meta.store.Schema;
import java.io.Closeable;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the chunks of deleted files, on the leader, in the background. Each round reads a
 * batch of orphans that no live session holds open (see {@link OpenFiles}; the open ones are
 * skipped, not counted), sends one {@code DeleteChunksReq} per data node holding any of their
 * chains, and proposes a {@code PurgeOrphanReq} for the orphans whose every node answered
 * success, which also deletes their inodes. The others stay and are retried next round, so a
 * node that is down delays the purge but loses nothing.
 */
public final class ChunkCollector implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(ChunkCollector.class);
    /** Orphans handled per round; bounds request and command sizes. */
    static final int BATCH = 512;
    /**
     * Purges after which the orphan family is compacted, once the backlog is gone. Each purge
     * leaves a tombstone that every later round's scan steps over: 30,000 of them made an idle
     * round cost 4 ms (see BENCHMARKS.md).
     */
    static final int COMPACT_AFTER = 10_000;

    private final MetaStore store;
    private final NodeRegistry registry;
    private final Proposer proposer;
    private final DataNodeClients clients;
    private final OpenFiles openFiles;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("meta-chunk-collector").daemon().factory());

    /** Purged since the orphan family was last compacted; only the timer's thread uses it. */
    private int purgedSinceCompaction;

    public ChunkCollector(MetaStore store, NodeRegistry registry, Proposer proposer, DataNodeClients clients,
            OpenFiles openFiles) {
        this.store = store;
        this.registry = registry;
        this.proposer = proposer;
        this.clients = clients;
        this.openFiles = openFiles;
    }

    /**
     * Runs rounds every {@code interval}, the first ones after one interval. A round that purged a
     * full batch is followed by the next at once: after {@code rm -rf} of a large tree, space comes
     * back as fast as the nodes delete, not {@link #BATCH} files per interval.
     */
    public void start(Duration interval) {
        timer.scheduleWithFixedDelay(this::rounds, interval.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** What the timer runs: rounds until one purges less than a full batch; a failure waits for the next run. */
    void rounds() {
        try {
            int purged;
            do {
                purged = collect();
                purgedSinceCompaction += purged;
            } while (purged == BATCH && !Thread.currentThread().isInterrupted());
            if (purgedSinceCompaction >= COMPACT_AFTER) {
                store.compact(Schema.ORPHAN);
                purgedSinceCompaction = 0;
            }
        } catch (RuntimeException e) {
            LOG.warn("chunk collection round failed; retrying next round", e);
        }
    }

    /** One round; answers how many orphans were purged. */
    public int collect() {
        List<Row<InodeId, Layout>> orphans = closedOrphans();
        if (orphans.isEmpty()) {
            return 0;
        }
        Map<InetSocketAddress, List<Long>> perNode = new LinkedHashMap<>();
        Map<Long, Set<InetSocketAddress>> nodesOf = new LinkedHashMap<>();
        Map<Integer, List<InetSocketAddress>> chainNodes = new HashMap<>(); // most orphans share a few chains
        for (Row<InodeId, Layout> orphan : orphans) {
            Set<InetSocketAddress> nodes = new HashSet<>();
            for (int chainId : orphan.value().chains()) {
                nodes.addAll(chainNodes.computeIfAbsent(chainId, id -> nodesOf(orphan.key(), id)));
            }
            nodesOf.put(orphan.key().value(), nodes);
            nodes.forEach(n -> perNode.computeIfAbsent(n, k -> new ArrayList<>()).add(orphan.key().value()));
        }

        Map<InetSocketAddress, CompletableFuture<Boolean>> sent = new LinkedHashMap<>();
        perNode.forEach((node, inodes) -> sent.put(node, delete(node, inodes)));
        Set<InetSocketAddress> done = new HashSet<>();
        sent.forEach((node, result) -> {
            if (result.join()) {
                done.add(node);
            }
        });
        List<Long> purgeable = new ArrayList<>();
        nodesOf.forEach((inode, nodes) -> {
            if (done.containsAll(nodes)) {
                purgeable.add(inode);
            }
        });
        if (purgeable.isEmpty()) {
            return 0;
        }
        MetaCommand purge = MetaCommand.newBuilder()
                .setPurgeOrphan(PurgeOrphanReq.newBuilder().addAllInodes(purgeable))
                .build();
        MetaResponse response = proposer.propose(purge).join();
        if (response.getErrno() != 0) {
            LOG.warn("purging {} orphans failed: {}", purgeable.size(), response.getMessage());
            return 0;
        }
        return purgeable.size();
    }

    /** The addresses of the nodes of chain {@code chainId}, which {@code orphan} names. */
    private List<InetSocketAddress> nodesOf(InodeId orphan, int chainId) {
        Optional<ChainRecord> chain = registry.chain(chainId);
        if (chain.isEmpty()) {
            LOG.warn("{} names chain {}, which does not exist; nothing to delete there", orphan, chainId);
            return List.of();
        }
        List<InetSocketAddress> nodes = new ArrayList<>();
        for (int nodeId : chain.get().nodeIds()) {
            registry.address(nodeId).ifPresent(nodes::add);
        }
        return nodes;
    }

    /** Up to {@link #BATCH} orphans that nobody holds open, in inode order, scanning past open ones. */
    private List<Row<InodeId, Layout>> closedOrphans() {
        List<Row<InodeId, Layout>> closed = new ArrayList<>();
        byte[] from = Keys.u64Start();
        while (closed.size() < BATCH) {
            List<Row<InodeId, Layout>> page = store.scan(Schema.ORPHAN, from, Keys.u64End(), BATCH);
            for (Row<InodeId, Layout> orphan : page) {
                if (closed.size() < BATCH && !openFiles.isOpen(orphan.key())) {
                    closed.add(orphan);
                }
            }
            if (page.size() < BATCH) {
                break;
            }
            from = Keys.justAfter(Keys.INODE.encode(page.get(page.size() - 1).key()));
        }
        return closed;
    }

    private CompletableFuture<Boolean> delete(InetSocketAddress node, List<Long> inodes) {
        ChunkRequest request = ChunkRequest.newBuilder()
                .setDelete(DeleteChunksReq.newBuilder().addAllInodes(inodes))
                .build();
        return clients.call(node, request).handle((ChunkResponse r, Throwable e) -> {
            if (e != null) {
                LOG.debug("deleting chunks of {} inodes on {} failed: {}", inodes.size(), node, e.toString());
                return false;
            }
            if (r.getErrno() != 0) {
                LOG.debug("{} refused to delete chunks: errno {} {}", node, r.getErrno(), r.getMessage());
                return false;
            }
            return true;
        });
    }

    @Override
    public void close() {
        timer.shutdownNow();
        try {
            timer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
