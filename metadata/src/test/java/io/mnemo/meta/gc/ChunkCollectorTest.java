package io.mnemo.meta.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.mnemo.core.model.FileType;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.net.ClusterSecret;
import io.mnemo.core.proto.CreateReq;
import io.mnemo.core.proto.LayoutMsg;
import io.mnemo.core.proto.MetaCommand;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.core.proto.RegisterNodeReq;
import io.mnemo.core.proto.UnlinkReq;
import io.mnemo.meta.cluster.NodeRegistry;
import io.mnemo.meta.raft.MetaRaft;
import io.mnemo.meta.raft.RaftSettings;
import io.mnemo.meta.session.Sessions;
import io.mnemo.meta.store.Keys;
import io.mnemo.meta.store.MetaStore;
import io.mnemo.meta.store.Schema;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The collector against a real Raft group and store, and data nodes behind the real chunk protocol. */
class ChunkCollectorTest {
    static final ClusterSecret SECRET = ClusterSecret.of("gc-test");

    @TempDir
    Path dir;
    MetaStore store;
    MetaRaft raft;
    NodeRegistry registry;
    DataNodeClients clients;
    ChunkCollector collector;
    long nextInode = 2;

    @BeforeEach
    void start() throws Exception {
        store = MetaStore.open(dir.resolve("db"));
        raft = MetaRaft.start(store, new RaftSettings(dir.resolve("raft"), "127.0.0.1", 0, 1_000_000,
                Duration.ofSeconds(30)));
        ok(MetaCommand.newBuilder().setNewInode(1).setCreate(CreateReq.newBuilder().setParent(0)
                .setType(FileType.DIRECTORY.ordinal())));
        registry = new NodeRegistry(store, Duration.ofSeconds(5), System::nanoTime);
        clients = new DataNodeClients(SECRET, 2_000);
        collector = new ChunkCollector(store, registry, raft, clients, OpenFiles.NONE);
    }

    @AfterEach
    void stop() throws Exception {
        collector.close();
        clients.close();
        raft.close();
        store.close();
    }

    private MetaResponse ok(MetaCommand.Builder cmd) throws Exception {
        MetaResponse r = raft.propose(cmd.build()).get();
        assertEquals(0, r.getErrno(), r.getMessage());
        return r;
    }

    private int register(int port) throws Exception {
        return ok(MetaCommand.newBuilder().setRegisterNode(RegisterNodeReq.newBuilder().setHost("127.0.0.1")
                .setPort(port))).getRegisterNode().getNodeId();
    }

    /** Creates and deletes a file striped over {@code chains}; answers its inode. */
    private long deletedFile(String name, Integer... chains) throws Exception {
        long inode = nextInode++;
        ok(MetaCommand.newBuilder().setNewInode(inode)
                .setNewLayout(LayoutMsg.newBuilder().setChunkSize(1 << 20).setStripeCount(chains.length)
                        .addAllChains(List.of(chains)))
                .setCreate(CreateReq.newBuilder().setParent(1).setName(ByteString.copyFromUtf8(name))
                        .setType(FileType.REGULAR.ordinal())));
        ok(MetaCommand.newBuilder().setUnlink(UnlinkReq.newBuilder().setParent(1)
                .setName(ByteString.copyFromUtf8(name))));
        assertTrue(store.get(Schema.ORPHAN, new InodeId(inode)).isPresent());
        return inode;
    }

    private int orphans() {
        return store.scan(Schema.ORPHAN, Keys.u64Start(), Keys.u64End(), 1000).size();
    }

    @Test
    void collect_deletesChunksOnEveryNodeOfTheLayout_thenPurgesTheOrphan() throws Exception {
        try (FakeDataNode a = new FakeDataNode(SECRET); FakeDataNode b = new FakeDataNode(SECRET);
                FakeDataNode c = new FakeDataNode(SECRET)) {
            int na = register(a.port());
            int nb = register(b.port());
            register(c.port());
            long striped = deletedFile("striped", na, nb);
            long single = deletedFile("single", nb);
            assertEquals(0, collector.collect() - 2);
            assertEquals(List.of(striped), a.deleted);
            assertEquals(List.of(striped, single), b.deleted.stream().sorted().toList());
            assertEquals(0, c.requests.get(), "a node outside every layout is not bothered");
            assertEquals(0, orphans());
            assertEquals(0, collector.collect());
        }
    }

    @Test
    void aFullBatch_isFollowedByTheNextRoundAtOnce() throws Exception {
        try (FakeDataNode a = new FakeDataNode(SECRET)) {
            int na = register(a.port());
            for (int i = 0; i <= ChunkCollector.BATCH; i++) {
                deletedFile("f" + i, na);
            }
            collector.rounds();
            assertEquals(0, orphans(), "one timer run purges the whole backlog");
            assertEquals(ChunkCollector.BATCH + 1, a.deleted.size());
        }
    }

    @Test
    void collect_keepsTheOrphan_whileANodeFails_andRetries() throws Exception {
        try (FakeDataNode a = new FakeDataNode(SECRET); FakeDataNode b = new FakeDataNode(SECRET)) {
            int na = register(a.port());
            int nb = register(b.port());
            long onA = deletedFile("onA", na);
            long onBoth = deletedFile("onBoth", na, nb);
            b.failures.set(1);
            assertEquals(1, collector.collect(), "only the file entirely on the healthy node is purged");
            assertTrue(store.get(Schema.ORPHAN, new InodeId(onBoth)).isPresent());
            assertTrue(store.get(Schema.ORPHAN, new InodeId(onA)).isEmpty());
            assertEquals(1, collector.collect());
            assertEquals(0, orphans());
            assertEquals(List.of(onBoth), b.deleted);
        }
    }

    @Test
    void collect_retriesANodeThatIsDown_untilItComesUp() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // nothing listens here once the socket closes
        }
        int node = register(port);
        long inode = deletedFile("f", node);
        assertEquals(0, collector.collect());
        assertEquals(0, collector.collect());
        assertTrue(store.get(Schema.ORPHAN, new InodeId(inode)).isPresent());

        try (FakeDataNode up = new FakeDataNode(SECRET)) {
            ok(MetaCommand.newBuilder().setRegisterNode(RegisterNodeReq.newBuilder().setNodeId(node)
                    .setHost("127.0.0.1").setPort(up.port()))); // the node came back elsewhere
            assertEquals(1, collector.collect());
            assertEquals(List.of(inode), up.deleted);
        }
    }

    @Test
    void background_roundsPurgeWithoutBeingAsked() throws Exception {
        try (FakeDataNode a = new FakeDataNode(SECRET)) {
            long inode = deletedFile("f", register(a.port()));
            collector.start(Duration.ofMillis(50));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (orphans() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(0, orphans());
            assertEquals(List.of(inode), a.deleted);
        }
    }

    @Test
    void collect_skipsOrphansASessionHoldsOpen_untilReleasedOrExpired_andPurgesTheirInodes() throws Exception {
        AtomicLong nanos = new AtomicLong();
        Sessions sessions = new Sessions(Duration.ofSeconds(5), nanos::get);
        try (FakeDataNode a = new FakeDataNode(SECRET);
                ChunkCollector guarded = new ChunkCollector(store, registry, raft, clients, sessions::isOpen)) {
            int node = register(a.port());
            long released = nextInode;
            sessions.open(1, new InodeId(released));
            deletedFile("released", node);
            long expired = nextInode;
            sessions.open(2, new InodeId(expired));
            deletedFile("expired", node);
            long closed = deletedFile("closed", node);

            assertEquals(1, guarded.collect());
            assertEquals(List.of(closed), a.deleted);
            assertTrue(store.get(Schema.INODE, new InodeId(released)).isPresent(), "still readable through handles");

            sessions.release(1, new InodeId(released));
            assertEquals(1, guarded.collect());
            assertEquals(List.of(closed, released), a.deleted);
            assertTrue(store.get(Schema.INODE, new InodeId(released)).isEmpty());

            nanos.addAndGet(Duration.ofSeconds(6).toNanos());
            assertEquals(1, guarded.collect());
            assertEquals(List.of(closed, released, expired), a.deleted);
            assertEquals(0, orphans());
        }
    }
}
