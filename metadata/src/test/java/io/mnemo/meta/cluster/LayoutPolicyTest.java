package io.mnemo.meta.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mnemo.core.model.InodeId;
import io.mnemo.core.model.Layout;
import io.mnemo.core.proto.MetaCommand;
import io.mnemo.core.proto.RegisterNodeReq;
import io.mnemo.meta.ops.OpRunner;
import io.mnemo.meta.store.MetaStore;
import io.mnemo.meta.store.Txn;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayoutPolicyTest {
    @TempDir
    Path dir;
    MetaStore store;
    NodeRegistry registry;

    @BeforeEach
    void open() throws Exception {
        store = MetaStore.open(dir);
        registry = new NodeRegistry(store, Duration.ofSeconds(5), System::nanoTime);
    }

    @AfterEach
    void close() {
        store.close();
    }

    void addNodes(int count) {
        int existing = registry.nodes().size();
        for (int i = 0; i < count; i++) {
            Txn txn = store.begin();
            new OpRunner(OpRunner.DEFAULT_INLINE_THRESHOLD_BYTES).apply(txn, MetaCommand.newBuilder().setRegisterNode(RegisterNodeReq.newBuilder()
                    .setHost("n" + (existing + i)).setPort(1)).build());
            store.commit(txn);
        }
    }

    static InodeId inode(long seq) {
        return InodeId.of(0, seq);
    }

    @Test
    void noChains_noLayout() {
        assertTrue(new LayoutPolicy(store, registry, 1 << 20, 0).choose(inode(5)).isEmpty());
    }

    @Test
    void stripeOverAllChains_rotatedByInodeSequence() {
        addNodes(3);
        LayoutPolicy policy = new LayoutPolicy(store, registry, 1 << 22, 0);
        assertEquals(new Layout(1 << 22, 3, List.of(1, 2, 3)), policy.choose(inode(3)).orElseThrow());
        assertEquals(new Layout(1 << 22, 3, List.of(2, 3, 1)), policy.choose(inode(4)).orElseThrow());
        assertEquals(new Layout(1 << 22, 3, List.of(3, 1, 2)), policy.choose(inode(5)).orElseThrow());
    }

    @Test
    void stripeCount_isCappedByTheChains_andFirstChainsSpreadEvenly() {
        addNodes(2);
        LayoutPolicy policy = new LayoutPolicy(store, registry, 1 << 20, 4);
        assertEquals(2, policy.choose(inode(10)).orElseThrow().stripeCount());
        addNodes(3); // the cache follows the chain table's version
        LayoutPolicy narrow = new LayoutPolicy(store, registry, 1 << 20, 1);
        assertEquals(4, policy.choose(inode(10)).orElseThrow().stripeCount());
        Map<Integer, Integer> firstChain = new HashMap<>();
        for (long seq = 2; seq < 502; seq++) {
            firstChain.merge(narrow.choose(inode(seq)).orElseThrow().chains().get(0), 1, Integer::sum);
        }
        assertEquals(Map.of(1, 100, 2, 100, 3, 100, 4, 100, 5, 100), firstChain);
    }

    static LayoutSpec spec(Integer chunk, Integer stripe) {
        return new LayoutSpec(chunk == null ? OptionalInt.empty() : OptionalInt.of(chunk),
                stripe == null ? OptionalInt.empty() : OptionalInt.of(stripe));
    }

    @Test
    void withSpec_overridesKeyByKey_placingANewStripeOverTheWholeChainTable() {
        addNodes(4);
        Layout base = new Layout(1 << 22, 2, List.of(2, 3)); // what the leader chose for inode 5
        assertEquals(new Layout(1 << 20, 2, List.of(2, 3)),
                LayoutPolicy.withSpec(store, inode(5), spec(1 << 20, null), base).orElseThrow(),
                "only the chunk size: the stripe stays");
        assertEquals(new Layout(1 << 22, 3, List.of(2, 3, 4)),
                LayoutPolicy.withSpec(store, inode(5), spec(null, 3), base).orElseThrow(),
                "a stripe count: rotated by the inode as usual");
        assertEquals(new Layout(1 << 16, 4, List.of(2, 3, 4, 1)),
                LayoutPolicy.withSpec(store, inode(5), spec(1 << 16, 0), base).orElseThrow(), "0: every chain");
        assertEquals(4, LayoutPolicy.withSpec(store, inode(5), spec(null, 9), base).orElseThrow().stripeCount(),
                "capped at the chains there are");
        assertEquals(List.of(1, 2, 3, 4), LayoutPolicy.chainIds(store));
    }

    @Test
    void choose_andPlace_areTheSameRule() {
        addNodes(3);
        LayoutPolicy policy = new LayoutPolicy(store, registry, 1 << 20, 2);
        for (long seq = 2; seq < 10; seq++) {
            assertEquals(LayoutPolicy.place(1 << 20, 2, List.of(1, 2, 3), inode(seq)), policy.choose(inode(seq)));
        }
        assertTrue(LayoutPolicy.place(1 << 20, 2, List.of(), inode(2)).isEmpty());
    }

    @Test
    void choose_leavesOutChainsWithANodeThatIsDown_unlessAllAre() {
        long[] now = {0};
        registry = new NodeRegistry(store, Duration.ofSeconds(5), () -> now[0]);
        addNodes(3);
        LayoutPolicy policy = new LayoutPolicy(store, registry, 1 << 20, 0);
        assertEquals(List.of(1, 2, 3), policy.choose(inode(3)).orElseThrow().chains(), "no heartbeat yet: all");
        registry.renew(1, RegisterNodeReq.getDefaultInstance());
        registry.renew(3, RegisterNodeReq.getDefaultInstance());
        assertEquals(List.of(1, 3), policy.choose(inode(2)).orElseThrow().chains(), "node 2 never reported");
        now[0] = Duration.ofSeconds(4).toNanos();
        registry.renew(2, RegisterNodeReq.getDefaultInstance());
        now[0] = Duration.ofSeconds(6).toNanos(); // the leases of 1 and 3 ran out
        assertEquals(List.of(2), policy.choose(inode(7)).orElseThrow().chains());
        now[0] = Duration.ofSeconds(60).toNanos();
        assertEquals(List.of(1, 2, 3), policy.choose(inode(3)).orElseThrow().chains(), "all down: all");
    }
}
