package io.mnemo.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.FileType;
import io.mnemo.core.net.ClusterSecret;
import io.mnemo.core.net.Frame;
import io.mnemo.core.net.FrameType;
import io.mnemo.core.net.RpcClient;
import io.mnemo.core.proto.AccessReq;
import io.mnemo.core.proto.AttrMsg;
import io.mnemo.core.proto.Caller;
import io.mnemo.core.proto.ClusterInfo;
import io.mnemo.core.proto.ClusterInfoReq;
import io.mnemo.core.proto.CommitLengthReq;
import io.mnemo.core.proto.CreateReq;
import io.mnemo.core.proto.DirEntryMsg;
import io.mnemo.core.proto.DirPage;
import io.mnemo.core.proto.GetattrReq;
import io.mnemo.core.proto.GetxattrReq;
import io.mnemo.core.proto.ListxattrReq;
import io.mnemo.core.proto.LookupReq;
import io.mnemo.core.proto.MetaRequest;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.core.proto.OpenReq;
import io.mnemo.core.proto.ReaddirReq;
import io.mnemo.core.proto.RegisterNodeReq;
import io.mnemo.core.proto.ReleaseReq;
import io.mnemo.core.proto.RemovexattrReq;
import io.mnemo.core.proto.SessionReq;
import io.mnemo.core.proto.SetattrReq;
import io.mnemo.core.proto.SetxattrReq;
import io.mnemo.core.proto.StatfsReq;
import io.mnemo.core.proto.UnlinkReq;
import io.mnemo.core.proto.WriteInlineReq;
import io.mnemo.meta.gc.FakeDataNode;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole server over real Netty on loopback, restarted on the same directory. */
class MetaServerTest {
    static final ClusterSecret SECRET = ClusterSecret.of("meta-server-test");
    static final Caller BOB = Caller.newBuilder().setUid(1001).setGid(1002).build();
    static EventLoopGroup group;

    @TempDir
    Path dir;

    @BeforeAll
    static void startGroup() {
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stopGroup() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    MetaConfig config() {
        return MetaConfig.defaults(dir, SECRET);
    }

    /** A metadata connection as clients make it: handshake, then pipelined META_REQUEST frames. */
    static final class Conn implements AutoCloseable {
        final RpcClient rpc;

        Conn(MetaServer server) {
            rpc = new RpcClient(group, server.address(), SECRET, 2, 16 << 20, 30_000);
        }

        CompletableFuture<MetaResponse> send(MetaRequest.Builder req) {
            return rpc.call(FrameType.META_REQUEST, req.build()).thenApply(frame -> {
                try {
                    return frame.parse(MetaResponse.parser());
                } catch (FsException e) {
                    throw new IllegalStateException(e);
                } finally {
                    frame.release();
                }
            });
        }

        MetaResponse call(MetaRequest.Builder req) {
            return send(req).join();
        }

        MetaResponse ok(MetaRequest.Builder req) {
            MetaResponse r = call(req);
            assertEquals(0, r.getErrno(), r.getMessage());
            return r;
        }

        AttrMsg create(long parent, String name, FileType type) {
            return ok(createReq(parent, name, type)).getAttr();
        }

        List<String> list(long dirInode, int pageSize) {
            List<String> names = new ArrayList<>();
            ByteString after = ByteString.EMPTY;
            while (true) {
                DirPage page = ok(MetaRequest.newBuilder().setReaddir(ReaddirReq.newBuilder().setDir(dirInode)
                        .setAfter(after).setLimit(pageSize))).getDirPage();
                for (DirEntryMsg e : page.getEntriesList()) {
                    names.add(e.getName().toStringUtf8());
                    after = e.getName();
                }
                if (!page.getMore()) {
                    return names;
                }
            }
        }

        @Override
        public void close() {
            rpc.close();
        }
    }

    static MetaRequest.Builder createReq(long parent, String name, FileType type) {
        return MetaRequest.newBuilder().setCaller(BOB).setCreate(CreateReq.newBuilder().setParent(parent)
                .setName(ByteString.copyFromUtf8(name)).setType(type.ordinal())
                .setMode(type == FileType.DIRECTORY ? 0750 : 0640).setExclusive(true));
    }

    static MetaRequest.Builder register(int id, int port, long capacity) {
        return MetaRequest.newBuilder().setRegisterNode(RegisterNodeReq.newBuilder().setNodeId(id)
                .setHost("127.0.0.1").setPort(port).setCapacityBytes(capacity).setUsedBytes(capacity / 10));
    }

    static MetaRequest.Builder getattr(long inode) {
        return MetaRequest.newBuilder().setGetattr(GetattrReq.newBuilder().setInode(inode));
    }

    static MetaRequest.Builder lookup(long parent, String name) {
        return MetaRequest.newBuilder().setLookup(LookupReq.newBuilder().setParent(parent)
                .setName(ByteString.copyFromUtf8(name)));
    }

    /** Lets everybody create in the root, which belongs to the owner of the server's directory. */
    static void shareRoot(Conn c) {
        c.ok(MetaRequest.newBuilder().setSetattr(SetattrReq.newBuilder().setInode(1).setHasMode(true).setMode(0777)));
    }

    static ClusterInfo clusterInfo(Conn c) {
        return c.ok(MetaRequest.newBuilder().setClusterInfo(ClusterInfoReq.getDefaultInstance())).getClusterInfo();
    }

    @Test
    void firstStart_formatsTheRoot() throws Exception {
        try (MetaServer server = MetaServer.start(config()); Conn c = new Conn(server)) {
            AttrMsg root = c.ok(getattr(1)).getAttr();
            assertEquals(FileType.DIRECTORY.ordinal(), root.getType());
            assertEquals(0755, root.getMode());
            assertEquals((int) Files.getAttribute(dir, "unix:uid"), root.getUid());
            assertEquals((int) Files.getAttribute(dir, "unix:gid"), root.getGid());
            assertEquals(2, root.getNlink());
            assertTrue(root.getMtimeNs() > 1_600_000_000_000_000_000L, "a real timestamp");
            assertEquals(1, c.ok(MetaRequest.newBuilder().setStatfs(StatfsReq.getDefaultInstance()))
                    .getStatfs().getInodes());
        }
    }

    @Test
    void tenThousandEntriesInOneDirectory_listExactly_andSurviveARestart() throws Exception {
        int n = 10_000;
        long big;
        Set<Long> inodes = new HashSet<>();
        try (MetaServer server = MetaServer.start(config()); Conn c = new Conn(server)) {
            c.ok(register(0, 9, 1L << 40));
            shareRoot(c);
            big = c.create(1, "big", FileType.DIRECTORY).getInode();
            Semaphore inFlight = new Semaphore(128);
            List<CompletableFuture<MetaResponse>> all = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                inFlight.acquire();
                CompletableFuture<MetaResponse> f = c.send(createReq(big, String.format("file-%05d", i),
                        i % 10 == 0 ? FileType.DIRECTORY : FileType.REGULAR));
                f.whenComplete((r, e) -> inFlight.release());
                all.add(f);
            }
            for (CompletableFuture<MetaResponse> f : all) {
                MetaResponse r = f.join();
                assertEquals(0, r.getErrno(), r.getMessage());
                inodes.add(r.getAttr().getInode());
            }
            assertEquals(n, inodes.size(), "every create got its own inode");
            List<String> names = c.list(big, 1000);
            assertEquals(n, names.size());
            assertEquals(n, new HashSet<>(names).size());
            assertEquals(names.stream().sorted().toList(), names);
            assertEquals("file-00000", names.get(0));
            assertEquals("file-09999", names.get(n - 1));
            assertEquals(2 + n / 10, c.ok(getattr(big)).getAttr().getNlink());
        }
        try (MetaServer server = MetaServer.start(config()); Conn c = new Conn(server)) {
            List<String> names = c.list(big, 777);
            assertEquals(n, names.size());
            assertEquals(n, new HashSet<>(names).size());
            AttrMsg f = c.ok(lookup(big, "file-04321")).getAttr();
            assertEquals(1001, f.getUid());
            assertEquals(1002, f.getGid());
            assertEquals(0640, f.getMode());
            assertTrue(f.hasLayout());
            assertEquals(n + 2L, c.ok(MetaRequest.newBuilder().setStatfs(StatfsReq.getDefaultInstance()))
                    .getStatfs().getInodes());
            long fresh = c.create(1, "after-restart", FileType.REGULAR).getInode();
            assertFalse(inodes.contains(fresh), "inode ids are never reused after a restart");
            assertTrue(fresh > big);
        }
    }

    @Test
    void dataNodes_register_heartbeat_carryLayouts_andExpire() throws Exception {
        try (MetaServer server = MetaServer.start(config().withNodeLease(Duration.ofMillis(400)).withLayout(1 << 20, 2));
                Conn c = new Conn(server)) {
            shareRoot(c);
            MetaResponse noNodes = c.call(createReq(1, "early", FileType.REGULAR));
            assertEquals(Errno.ENOSPC.code(), noNodes.getErrno());
            assertTrue(noNodes.getMessage().contains("no data nodes registered"), noNodes.getMessage());

            int a = c.ok(register(0, 7001, 1000)).getRegisterNode().getNodeId();
            int b = c.ok(register(0, 7002, 3000)).getRegisterNode().getNodeId();
            int d = c.ok(register(0, 7003, 5000)).getRegisterNode().getNodeId();
            assertEquals(List.of(1, 2, 3), List.of(a, b, d));
            assertEquals(b, c.ok(register(b, 7002, 3000)).getRegisterNode().getNodeId());
            ClusterInfo info = clusterInfo(c);
            assertEquals(3, info.getVersion());
            assertEquals(3, info.getChainsCount());
            assertTrue(info.getNodesList().stream().allMatch(nm -> nm.getAlive()));
            assertEquals(9000, c.ok(MetaRequest.newBuilder().setStatfs(StatfsReq.getDefaultInstance()))
                    .getStatfs().getCapacityBytes());

            AttrMsg f = c.create(1, "f", FileType.REGULAR);
            assertEquals(1 << 20, f.getLayout().getChunkSize());
            assertEquals(2, f.getLayout().getStripeCount());
            assertEquals(2, f.getLayout().getChainsCount());

            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (System.nanoTime() < deadline) {
                c.ok(register(b, 7002, 3000)); // only b keeps beating
                if (clusterInfo(c).getNodesList().stream().filter(nm -> !nm.getAlive()).count() == 2) {
                    break;
                }
                Thread.sleep(50);
            }
            info = clusterInfo(c);
            assertFalse(info.getNodes(0).getAlive());
            assertTrue(info.getNodes(1).getAlive());
            assertFalse(info.getNodes(2).getAlive());
            assertEquals(3000, c.ok(MetaRequest.newBuilder().setStatfs(StatfsReq.getDefaultInstance()))
                    .getStatfs().getCapacityBytes());
        }
    }

    @Test
    void deletedFiles_chunksAreCollectedInTheBackground() throws Exception {
        try (FakeDataNode data = new FakeDataNode(SECRET);
                MetaServer server = MetaServer.start(config().withGcInterval(Duration.ofMillis(50)));
                Conn c = new Conn(server)) {
            c.ok(register(0, data.port(), 1000));
            shareRoot(c);
            long inode = c.create(1, "doomed", FileType.REGULAR).getInode();
            c.ok(MetaRequest.newBuilder().setUnlink(UnlinkReq.newBuilder().setParent(1)
                    .setName(ByteString.copyFromUtf8("doomed"))));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (data.deleted.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(List.of(inode), data.deleted);
        }
    }

    @Test
    void aSecondServer_onTheSameDirectory_isRefused() throws Exception {
        try (MetaServer server = MetaServer.start(config()); Conn c = new Conn(server)) {
            FsException e = assertThrows(FsException.class, () -> MetaServer.start(config()));
            assertEquals(Errno.EBUSY, e.errno());
            assertTrue(e.getMessage().contains(dir.toString()), e.getMessage());
            c.ok(getattr(1)); // the first one is unharmed
        }
        MetaServer.start(config()).close(); // and the directory is free again after close
    }

    @Test
    void anotherProcessHoldingTheDirectory_isRefused() throws Exception {
        Path holder = dir.resolve("LockHolder.java");
        Files.writeString(holder, """
                import java.nio.channels.FileChannel;
                import java.nio.file.*;
                public class LockHolder {
                    public static void main(String[] args) throws Exception {
                        try (FileChannel ch = FileChannel.open(Path.of(args[0]), StandardOpenOption.CREATE,
                                StandardOpenOption.WRITE); var lock = ch.lock()) {
                            System.out.println("locked");
                            System.out.flush();
                            System.in.read();
                        }
                    }
                }
                """);
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, holder.toString(), dir.resolve("LOCK").toString())
                .redirectErrorStream(true).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            assertEquals("locked", out.readLine());
            FsException e = assertThrows(FsException.class, () -> MetaServer.start(config()));
            assertEquals(Errno.EBUSY, e.errno());
        } finally {
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Runs {@link CrashingServer} on this test's directory and waits for it to die. */
    void crashAfterCreating(MetaConfig.Log log, String prefix, int count) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                CrashingServer.class.getName(), dir.toString(), log.name(), prefix, Integer.toString(count))
                .redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the crashing server exits");
            assertTrue(out.lines().anyMatch("created"::equals), out);
        } finally {
            p.destroyForcibly();
        }
    }

    static void assertHolds(Conn c, int expected, String... prefixes) {
        List<String> names = c.list(1, 1000);
        assertEquals(expected, names.size(), "entries in the root");
        assertTrue(names.stream().allMatch(n -> java.util.Arrays.stream(prefixes).anyMatch(n::startsWith)), names.toString());
    }

    /**
     * A process crash loses nothing answered with the store's own log (written before each answer),
     * and nothing synced with a Raft log; a directory last run with Raft is replayed once into the
     * store's own log, and a later Raft log starts over the store cleanly.
     */
    @Test
    void crashes_loseNothingAnswered_withEitherLog_andTheLogsHandOver() throws Exception {
        crashAfterCreating(MetaConfig.Log.RAFT, "raft-", 300); // synced: the Raft log has it all, the store nothing
        try (MetaServer server = MetaServer.start(config()); Conn c = new Conn(server)) {
            assertHolds(c, 300, "raft-");
            assertFalse(Files.exists(dir.resolve("raft")), "the replayed Raft log is gone");
        }
        crashAfterCreating(MetaConfig.Log.LOCAL, "own-", 300); // not synced: written before each answer
        try (MetaServer server = MetaServer.start(config()); Conn c = new Conn(server)) {
            assertHolds(c, 600, "raft-", "own-");
        }
        try (MetaServer server = MetaServer.start(config().withLog(MetaConfig.Log.RAFT)); Conn c = new Conn(server)) {
            assertHolds(c, 600, "raft-", "own-");
            c.ok(createReq(1, "raft-again", FileType.DIRECTORY).clearCaller());
        }
        try (MetaServer server = MetaServer.start(config()); Conn c = new Conn(server)) {
            assertHolds(c, 601, "raft-", "own-");
        }
    }

    @Test
    void createLatency_throughTheRpc() throws Exception {
        try (MetaServer server = MetaServer.start(config()); Conn c = new Conn(server)) {
            c.ok(register(0, 9, 1L << 40));
            shareRoot(c);
            long d = c.create(1, "lat", FileType.DIRECTORY).getInode();
            int warmup = 300;
            int n = 1000;
            for (int i = 0; i < warmup; i++) {
                c.create(d, "w" + i, FileType.REGULAR);
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                c.create(d, "f" + i, FileType.REGULAR);
            }
            double sequentialMicros = (System.nanoTime() - t0) / 1e3 / n;
            long t1 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                c.ok(lookup(d, "f" + i));
            }
            double lookupMicros = (System.nanoTime() - t1) / 1e3 / n;
            List<CompletableFuture<MetaResponse>> all = new ArrayList<>();
            long t2 = System.nanoTime();
            for (int i = 0; i < n; i++) {
                all.add(c.send(createReq(d, "p" + i, FileType.REGULAR)));
            }
            all.forEach(f -> assertEquals(0, f.join().getErrno()));
            double pipelinedMicros = (System.nanoTime() - t2) / 1e3 / n;
            System.out.printf("metadata RPC on loopback: create %.0f us/op sequential, %.0f us/op with %d in flight;"
                    + " lookup %.0f us/op%n", sequentialMicros, pipelinedMicros, n, lookupMicros);
            assertTrue(sequentialMicros < 100_000, "a create takes less than 100 ms");
        }
    }

    static MetaRequest.Builder open(Caller who, long inode, int flags, long session) {
        return MetaRequest.newBuilder().setCaller(who).setOpen(OpenReq.newBuilder().setInode(inode).setFlags(flags)
                .setSession(session));
    }

    static MetaRequest.Builder release(long inode, long session) {
        return MetaRequest.newBuilder().setRelease(ReleaseReq.newBuilder().setInode(inode).setSession(session));
    }

    static MetaRequest.Builder renew(long session) {
        return MetaRequest.newBuilder().setSession(SessionReq.newBuilder().setSession(session));
    }

    static MetaRequest.Builder unlink(Caller who, long parent, String name) {
        return MetaRequest.newBuilder().setCaller(who).setUnlink(UnlinkReq.newBuilder().setParent(parent)
                .setName(ByteString.copyFromUtf8(name)));
    }

    /**
     * Waits until the fake data node was asked to delete {@code inode}'s chunks and the inode is
     * purged, renewing {@code sessions} meanwhile.
     */
    static void awaitPurged(FakeDataNode data, long inode, Conn c, long... sessions) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while ((!data.deleted.contains(inode) || c.call(getattr(inode)).getErrno() == 0)
                && System.nanoTime() < deadline) {
            for (long session : sessions) {
                c.ok(renew(session));
            }
            Thread.sleep(50);
        }
        assertTrue(data.deleted.contains(inode), "chunks of inode " + inode + " deleted");
        assertEquals(Errno.ENOENT.code(), c.call(getattr(inode)).getErrno(), "inode " + inode + " purged");
    }

    @Test
    void openButUnlinkedFiles_keepTheirChunks_untilReleasedOrTheirSessionExpires_andARestartCollectsTheRest()
            throws Exception {
        int rdwr = 2;
        MetaConfig config = config().withGcInterval(Duration.ofMillis(50)).withNodeLease(Duration.ofMillis(600));
        try (FakeDataNode data = new FakeDataNode(SECRET)) {
            long kept;
            try (MetaServer server = MetaServer.start(config); Conn c = new Conn(server)) {
                c.ok(register(0, data.port(), 1000));
                shareRoot(c);
                long released = c.create(1, "released", FileType.REGULAR).getInode();
                long expires = c.create(1, "expires", FileType.REGULAR).getInode();
                kept = c.create(1, "kept", FileType.REGULAR).getInode();
                Caller carol = Caller.newBuilder().setUid(1003).setGid(1003).build();
                assertEquals(Errno.EACCES.code(), c.call(open(carol, released, 0, 9)).getErrno(), "0640, not hers");
                assertEquals(released, c.ok(open(BOB, released, rdwr, 1)).getAttr().getInode());
                c.ok(open(BOB, expires, 0, 2)); // session 2 is never renewed
                c.ok(open(BOB, kept, 0, 3)); // session 3 is renewed until the server stops
                for (String name : List.of("released", "expires", "kept")) {
                    c.ok(unlink(BOB, 1, name));
                }
                assertEquals(Errno.ENOENT.code(), c.call(open(BOB, released, 0, 4)).getErrno(),
                        "a deleted file opens only for a session holding it");

                awaitPurged(data, expires, c, 1, 3);
                assertFalse(data.deleted.contains(released));
                assertFalse(data.deleted.contains(kept));
                AttrMsg unnamed = c.ok(getattr(released)).getAttr();
                assertEquals(0, unnamed.getNlink());
                c.ok(MetaRequest.newBuilder().setCaller(BOB).setCommitLength(CommitLengthReq.newBuilder()
                        .setInode(released).setSize(4096).setTouchMtime(true)));
                assertEquals(4096, c.ok(getattr(released)).getAttr().getSize());

                c.ok(release(released, 1));
                awaitPurged(data, released, c, 3);
                assertFalse(data.deleted.contains(kept));
            }
            try (MetaServer server = MetaServer.start(config); Conn c = new Conn(server)) {
                awaitPurged(data, kept, c); // no session survives a restart
            }
        }
    }

    @Test
    void xattrsAndAccess_throughTheRpc() throws Exception {
        try (MetaServer server = MetaServer.start(config()); Conn c = new Conn(server)) {
            c.ok(register(0, 9, 1L << 40));
            shareRoot(c);
            long f = c.create(1, "f", FileType.REGULAR).getInode(); // bob's, 0640
            c.ok(MetaRequest.newBuilder().setCaller(BOB).setSetxattr(SetxattrReq.newBuilder().setInode(f)
                    .setName("user.k").setValue(ByteString.copyFromUtf8("v")).setFlags(1)));
            assertEquals(Errno.EEXIST.code(), c.call(MetaRequest.newBuilder().setCaller(BOB).setSetxattr(
                    SetxattrReq.newBuilder().setInode(f).setName("user.k").setFlags(1))).getErrno());
            assertEquals("v", c.ok(MetaRequest.newBuilder().setCaller(BOB).setGetxattr(GetxattrReq.newBuilder()
                    .setInode(f).setName("user.k"))).getXattr().getValue().toStringUtf8());
            assertEquals(List.of("user.k"), c.ok(MetaRequest.newBuilder().setListxattr(ListxattrReq.newBuilder()
                    .setInode(f))).getXattr().getNamesList());
            c.ok(MetaRequest.newBuilder().setCaller(BOB).setRemovexattr(RemovexattrReq.newBuilder().setInode(f)
                    .setName("user.k")));
            assertEquals(Errno.ENODATA.code(), c.call(MetaRequest.newBuilder().setGetxattr(GetxattrReq.newBuilder()
                    .setInode(f).setName("user.k"))).getErrno());
            c.ok(MetaRequest.newBuilder().setCaller(BOB).setAccess(AccessReq.newBuilder().setInode(f).setMask(6)));
            assertEquals(Errno.EACCES.code(), c.call(MetaRequest.newBuilder().setCaller(BOB).setAccess(
                    AccessReq.newBuilder().setInode(f).setMask(1))).getErrno());
        }
    }

    static MetaRequest.Builder writeInline(long inode, byte[] data) {
        return MetaRequest.newBuilder().setCaller(BOB).setWriteInline(WriteInlineReq.newBuilder().setInode(inode)
                .setData(ByteString.copyFrom(data)));
    }

    static MetaRequest.Builder setLayout(long inode, String value) {
        return MetaRequest.newBuilder().setCaller(BOB).setSetxattr(SetxattrReq.newBuilder().setInode(inode)
                .setName("user.mnemo.layout").setValue(ByteString.copyFromUtf8(value)));
    }

    static String inline(MetaResponse r) {
        assertTrue(r.hasInline(), "inline contents in the reply");
        return r.getInline().getData().toStringUtf8();
    }

    @Test
    void smallFilesInline_andDirectoryLayouts_throughTheRpc_andAcrossARestartWithInliningOff() throws Exception {
        int rdwr = 2;
        long small;
        try (MetaServer server = MetaServer.start(config()); Conn c = new Conn(server)) {
            c.ok(register(0, 9, 1L << 40));
            c.ok(register(0, 10, 1L << 40));
            shareRoot(c);
            small = c.create(1, "small", FileType.REGULAR).getInode();
            assertEquals("", inline(c.ok(open(BOB, small, rdwr, 1))), "one open round trip brings the bytes");
            c.ok(writeInline(small, "hello".getBytes(StandardCharsets.UTF_8)));
            assertFalse(c.ok(lookup(1, "small")).hasInline(), "only open carries the bytes");
            assertFalse(c.ok(getattr(small)).hasInline(), "only open carries the bytes");
            assertEquals("hello", inline(c.ok(open(BOB, small, rdwr, 1))));
            assertEquals(5, c.ok(getattr(small)).getAttr().getSize());
            MetaResponse tooBig = c.call(writeInline(small, new byte[MetaConfig.DEFAULT_INLINE_THRESHOLD_BYTES + 1]));
            assertEquals(Errno.EFBIG.code(), tooBig.getErrno(), tooBig.getMessage());
            c.ok(writeInline(small, new byte[MetaConfig.DEFAULT_INLINE_THRESHOLD_BYTES]));
            c.ok(writeInline(small, "hello".getBytes(StandardCharsets.UTF_8)));

            long wide = c.create(1, "wide", FileType.DIRECTORY).getInode();
            c.ok(setLayout(wide, "chunk_size=1M stripe=0"));
            long g = c.create(wide, "g", FileType.REGULAR).getInode();
            AttrMsg a = c.ok(getattr(g)).getAttr();
            assertEquals(1 << 20, a.getLayout().getChunkSize());
            assertEquals(2, a.getLayout().getStripeCount());
            assertTrue(c.ok(MetaRequest.newBuilder().setCaller(BOB).setGetxattr(GetxattrReq.newBuilder()
                    .setInode(g).setName("user.mnemo.layout"))).getXattr().getValue().toStringUtf8()
                    .startsWith("chunk_size=1048576 stripe=2 chains="));
            c.ok(open(BOB, g, rdwr, 2));
            MetaResponse busy = c.call(setLayout(g, "stripe=1"));
            assertEquals(Errno.EBUSY.code(), busy.getErrno(), busy.getMessage());
            c.ok(release(g, 2));
            c.ok(setLayout(g, "stripe=1"));
            assertEquals(1, c.ok(getattr(g)).getAttr().getLayout().getStripeCount());
            assertEquals(Errno.EINVAL.code(), c.call(setLayout(wide, "chunk_size=1000")).getErrno());
        }
        try (MetaServer server = MetaServer.start(config().withInlineThreshold(0)); Conn c = new Conn(server)) {
            assertEquals("hello", inline(c.ok(open(BOB, small, rdwr, 3))), "inline files stay inline");
            long fresh = c.create(1, "fresh", FileType.REGULAR).getInode();
            assertFalse(c.ok(open(BOB, fresh, rdwr, 3)).hasInline(), "new files start in chunks");
            assertEquals(Errno.EFBIG.code(), c.call(writeInline(small, "hello!".getBytes(StandardCharsets.UTF_8)))
                    .getErrno(), "no bytes fit inline any more: the client moves the file to chunks");
            c.ok(MetaRequest.newBuilder().setCaller(BOB).setCommitLength(CommitLengthReq.newBuilder()
                    .setInode(small).setSize(6).setTouchMtime(true).setMovedToChunks(true)));
            MetaResponse moved = c.ok(getattr(small));
            assertFalse(moved.hasInline());
            assertEquals(6, moved.getAttr().getSize());
        }
    }
}
