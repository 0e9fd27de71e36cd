package io.mnemo.meta.cluster;

import io.mnemo.core.proto.ClusterInfo;
import io.mnemo.core.proto.NodeMsg;
import io.mnemo.core.proto.RegisterNodeReq;
import io.mnemo.core.proto.StatfsReply;
import io.mnemo.meta.store.ChainRecord;
import io.mnemo.meta.store.Keys;
import io.mnemo.meta.store.NodeRecord;
import io.mnemo.meta.store.ReadView;
import io.mnemo.meta.store.Row;
import io.mnemo.meta.store.Schema;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Data nodes as the leader sees them: their persisted records, plus a lease and the usage
 * each last reported, kept in memory. A node is alive while its lease (renewed by every
 * registration, which is also the heartbeat) has not expired; after a restart of the metadata
 * server every node is dead until it reports again.
 */
public final class NodeRegistry {
    /** More nodes or chains than a cluster has; bounds table scans. */
    private static final int MAX_ROWS = 1 << 16;

    private final ReadView store;
    private final long leaseNanos;
    private final LongSupplier nanoTime;
    private final Map<Integer, Lease> leases = new ConcurrentHashMap<>();

    private record Lease(long renewedNanos, long capacityBytes, long usedBytes) {}

    public NodeRegistry(ReadView store, Duration lease, LongSupplier nanoTime) {
        this.store = store;
        this.leaseNanos = lease.toNanos();
        this.nanoTime = nanoTime;
    }

    /**
     * Renews the lease of a node that is registered under the request's id at the request's
     * address: the heartbeat path, which needs no Raft entry. Empty if the registration must
     * go through Raft (a new node, or a new address).
     */
    public OptionalInt renewIfRegistered(RegisterNodeReq req) {
        if (req.getNodeId() == 0) {
            return OptionalInt.empty();
        }
        Optional<NodeRecord> node = store.get(Schema.NODE, req.getNodeId());
        if (node.isEmpty() || !node.get().hasAddress(req.getHost(), req.getPort())) {
            return OptionalInt.empty();
        }
        renew(req.getNodeId(), req);
        return OptionalInt.of(req.getNodeId());
    }

    /** Records a report (lease and usage) from node {@code nodeId}. */
    public void renew(int nodeId, RegisterNodeReq req) {
        leases.put(nodeId, new Lease(nanoTime.getAsLong(), req.getCapacityBytes(), req.getUsedBytes()));
    }

    public boolean isAlive(int nodeId) {
        Lease lease = leases.get(nodeId);
        return lease != null && nanoTime.getAsLong() - lease.renewedNanos < leaseNanos;
    }

    public List<NodeRecord> nodes() {
        List<NodeRecord> nodes = new ArrayList<>();
        for (Row<Integer, NodeRecord> row : store.scan(Schema.NODE, Keys.u32Start(), Keys.u32End(), MAX_ROWS)) {
            nodes.add(row.value());
        }
        return nodes;
    }

    public List<ChainRecord> chains() {
        List<ChainRecord> chains = new ArrayList<>();
        for (Row<Integer, ChainRecord> row : store.scan(Schema.CHAIN, Keys.u32Start(), Keys.u32End(), MAX_ROWS)) {
            chains.add(row.value());
        }
        return chains;
    }

    public Optional<ChainRecord> chain(int chainId) {
        return store.get(Schema.CHAIN, chainId);
    }

    public Optional<InetSocketAddress> address(int nodeId) {
        return store.get(Schema.NODE, nodeId).map(n -> InetSocketAddress.createUnresolved(n.host(), n.port()));
    }

    /** Every node with its liveness and last reported usage, and the chain table with its version. */
    public ClusterInfo clusterInfo() {
        ClusterInfo.Builder info = ClusterInfo.newBuilder().setVersion(store.get(Schema.CHAIN_VERSION).orElse(0L));
        for (NodeRecord node : nodes()) {
            Lease lease = leases.get(node.nodeId());
            NodeMsg.Builder msg = NodeMsg.newBuilder()
                    .setNodeId(node.nodeId())
                    .setHost(node.host())
                    .setPort(node.port())
                    .setAlive(isAlive(node.nodeId()));
            if (lease != null) {
                msg.setCapacityBytes(lease.capacityBytes).setUsedBytes(lease.usedBytes);
            }
            info.addNodes(msg);
        }
        chains().forEach(c -> info.addChains(c.toMsg()));
        return info.build();
    }

    /**
     * Capacity and usage summed over the live nodes, and the number of inodes. The contents of
     * inline files (at most the inline threshold each, kept in the metadata store) are not counted
     * in the usage: it is what the data nodes report.
     */
    public StatfsReply statfs() {
        long capacity = 0;
        long used = 0;
        for (Map.Entry<Integer, Lease> e : leases.entrySet()) {
            if (isAlive(e.getKey())) {
                capacity += e.getValue().capacityBytes;
                used += e.getValue().usedBytes;
            }
        }
        return StatfsReply.newBuilder()
                .setCapacityBytes(capacity)
                .setUsedBytes(used)
                .setInodes(store.get(Schema.INODE_COUNT).orElse(0L))
                .build();
    }
}
