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
import java.util.HashMap;
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

    /** A node's last report; {@code disk} is empty when the node did not say which disk it is on. */
    private record Lease(long renewedNanos, long capacityBytes, long usedBytes, String disk, long diskTotalBytes,
            long diskFreeBytes) {}

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
        String disk = req.getDiskId().isEmpty() ? "" : req.getHost() + " " + req.getDiskId();
        leases.put(nodeId, new Lease(nanoTime.getAsLong(), req.getCapacityBytes(), req.getUsedBytes(), disk,
                req.getDiskTotalBytes(), req.getDiskFreeBytes()));
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
     * Capacity, usage and free space of the live nodes, each disk counted once: nodes on one disk
     * of one machine (as {@code mnemo up} runs them) offer together at most that disk, and can
     * still write at most what is free on it, whatever else fills it. So capacity is, summed over
     * the disks, the smaller of the disk's size and its nodes' capacities, and free space the
     * smaller of the disk's free space and its nodes' room left; usage is what the chunks take.
     * A node that names no disk counts alone, with its own capacity. The contents of inline files
     * (at most the inline threshold each, kept in the metadata store) are not counted: it is what
     * the data nodes report.
     */
    public StatfsReply statfs() {
        Map<String, DiskUse> disks = new HashMap<>();
        for (Map.Entry<Integer, Lease> e : leases.entrySet()) {
            Lease lease = e.getValue();
            if (isAlive(e.getKey())) {
                DiskUse disk = lease.disk.isEmpty()
                        ? disks.computeIfAbsent("node " + e.getKey(), k -> new DiskUse(Long.MAX_VALUE, Long.MAX_VALUE))
                        : disks.computeIfAbsent(lease.disk, k -> new DiskUse(lease.diskTotalBytes, lease.diskFreeBytes));
                disk.capacityBytes += lease.capacityBytes;
                disk.usedBytes += lease.usedBytes;
                disk.roomBytes += Math.max(0, lease.capacityBytes - lease.usedBytes);
            }
        }
        return StatfsReply.newBuilder()
                .setCapacityBytes(disks.values().stream().mapToLong(d -> Math.min(d.capacityBytes, d.sizeBytes)).sum())
                .setUsedBytes(disks.values().stream().mapToLong(d -> d.usedBytes).sum())
                .setFreeBytes(disks.values().stream().mapToLong(d -> Math.min(d.roomBytes, d.freeBytes)).sum())
                .setInodes(store.get(Schema.INODE_COUNT).orElse(0L))
                .build();
    }

    /** The nodes on one disk, in {@link #statfs}: the disk's size and free space, their capacity, use and room left. */
    private static final class DiskUse {
        final long sizeBytes;
        final long freeBytes;
        long capacityBytes;
        long usedBytes;
        long roomBytes;

        DiskUse(long sizeBytes, long freeBytes) {
            this.sizeBytes = sizeBytes;
            this.freeBytes = freeBytes;
        }
    }
}
