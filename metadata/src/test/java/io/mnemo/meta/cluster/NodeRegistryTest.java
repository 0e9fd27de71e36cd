package io.mnemo.meta.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mnemo.core.proto.ClusterInfo;
import io.mnemo.core.proto.MetaCommand;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.core.proto.NodeMsg;
import io.mnemo.core.proto.RegisterNodeReq;
import io.mnemo.core.proto.StatfsReply;
import io.mnemo.meta.ops.OpRunner;
import io.mnemo.meta.store.MetaStore;
import io.mnemo.meta.store.Txn;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeRegistryTest {
    @TempDir
    Path dir;
    MetaStore store;
    final AtomicLong clock = new AtomicLong(1_000_000_000L);
    NodeRegistry registry;

    @BeforeEach
    void open() throws Exception {
        store = MetaStore.open(dir);
        registry = new NodeRegistry(store, Duration.ofSeconds(5), clock::get);
    }

    @AfterEach
    void close() {
        store.close();
    }

    static RegisterNodeReq report(int id, String host, long capacity, long used) {
        return RegisterNodeReq.newBuilder().setNodeId(id).setHost(host).setPort(7000).setCapacityBytes(capacity)
                .setUsedBytes(used).build();
    }

    /** What the leader does for a registration that needs Raft: apply the command, then renew. */
    int registerThroughCommand(RegisterNodeReq req) {
        Txn txn = store.begin();
        MetaResponse r = new OpRunner(OpRunner.DEFAULT_INLINE_THRESHOLD_BYTES).apply(txn, MetaCommand.newBuilder().setRegisterNode(req).build());
        store.commit(txn);
        assertEquals(0, r.getErrno(), r.getMessage());
        registry.renew(r.getRegisterNode().getNodeId(), req);
        return r.getRegisterNode().getNodeId();
    }

    @Test
    void heartbeatOfRegisteredNode_renewsWithoutACommand() {
        assertTrue(registry.renewIfRegistered(report(0, "a", 100, 10)).isEmpty(), "a new node needs a command");
        int id = registerThroughCommand(report(0, "a", 100, 10));
        assertEquals(OptionalInt.of(id), registry.renewIfRegistered(report(id, "a", 100, 20)));
        assertTrue(registry.renewIfRegistered(report(id, "moved", 100, 20)).isEmpty(), "a new address needs a command");
        assertTrue(registry.renewIfRegistered(report(99, "a", 100, 20)).isEmpty(), "an unknown id needs a command");
        assertEquals(20, registry.statfs().getUsedBytes());
    }

    @Test
    void statfs_countsADiskSharedByNodesOnce() {
        // Three nodes on one disk of host h (1000 bytes, 300 free), a fourth on a disk of its own.
        for (long used : new long[] {100, 50, 0}) {
            registerThroughCommand(report(0, "h", 1000, used).toBuilder().setPort(7000 + (int) used)
                    .setDiskId("dev 8").setDiskTotalBytes(1000).setDiskFreeBytes(300).build());
        }
        StatfsReply shared = registry.statfs();
        assertEquals(1000, shared.getCapacityBytes(), "the disk, not three times it");
        assertEquals(300, shared.getFreeBytes(), "what is free on it, not the nodes' room left");
        assertEquals(150, shared.getUsedBytes(), "what the chunks take");

        // The same device number on another machine is another disk; a node with a capacity
        // smaller than its disk offers that capacity.
        registerThroughCommand(report(0, "other", 200, 20).toBuilder()
                .setDiskId("dev 8").setDiskTotalBytes(5000).setDiskFreeBytes(4000).build());
        StatfsReply both = registry.statfs();
        assertEquals(1200, both.getCapacityBytes());
        assertEquals(300 + 180, both.getFreeBytes());
        assertEquals(150 + 20, both.getUsedBytes());
    }

    @Test
    void leaseExpiry_marksNodesDead_andDropsTheirCapacity() {
        int a = registerThroughCommand(report(0, "a", 100, 10));
        clock.addAndGet(Duration.ofSeconds(3).toNanos());
        int b = registerThroughCommand(report(0, "b", 1000, 1));
        assertEquals(StatfsReply.newBuilder().setCapacityBytes(1100).setUsedBytes(11).setFreeBytes(1089).build(),
                registry.statfs());

        clock.addAndGet(Duration.ofSeconds(3).toNanos()); // a's lease is 6 s old, b's 3 s
        assertFalse(registry.isAlive(a));
        assertTrue(registry.isAlive(b));
        ClusterInfo info = registry.clusterInfo();
        assertEquals(2, info.getVersion());
        assertEquals(2, info.getNodesCount());
        NodeMsg na = info.getNodes(0);
        assertEquals(a, na.getNodeId());
        assertFalse(na.getAlive());
        assertTrue(info.getNodes(1).getAlive());
        assertEquals(2, info.getChainsCount());
        assertEquals(1000, registry.statfs().getCapacityBytes());

        registry.renewIfRegistered(report(a, "a", 100, 10));
        assertTrue(registry.isAlive(a));
    }

    @Test
    void afterARestart_everyNodeIsDeadUntilItReports() {
        int a = registerThroughCommand(report(0, "a", 100, 10));
        NodeRegistry fresh = new NodeRegistry(store, Duration.ofSeconds(5), clock::get);
        assertFalse(fresh.isAlive(a));
        assertEquals(0, fresh.statfs().getCapacityBytes());
        assertEquals(1, fresh.clusterInfo().getNodesCount());
    }
}
