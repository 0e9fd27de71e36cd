package io.mnemo.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.net.ClusterSecret;
import io.mnemo.core.net.Frame;
import io.mnemo.core.net.FrameDecoder;
import io.mnemo.core.net.FrameType;
import io.mnemo.core.net.Reply;
import io.mnemo.core.net.RpcServer;
import io.mnemo.core.proto.MetaRequest;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.core.proto.RegisterNodeReply;
import io.mnemo.core.proto.RegisterNodeReq;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Registration and heartbeats against a fake metadata endpoint: a real {@link RpcServer} serving
 * {@code META_REQUEST}s that records each {@code RegisterNodeReq} and assigns node id 7.
 */
@ExtendWith(NoLeaks.class)
class DataNodeRegistrationTest {
    private static final ClusterSecret SECRET = ClusterSecret.of("registration-test-secret");
    private static final int ASSIGNED_ID = 7;
    private static final long BEAT_MILLIS = 50;

    @TempDir
    Path dir;
    private FakeMeta meta;
    private DataNode node;

    @AfterEach
    void stop() {
        if (node != null) {
            node.close();
        }
        if (meta != null) {
            meta.close();
        }
    }

    @Test
    void aNode_registers_keepsItsId_andComesBackWithItAfterRestart() throws Exception {
        meta = FakeMeta.start(new InetSocketAddress("127.0.0.1", 0));
        node = DataNode.start(config(meta.address()));

        RegisterNodeReq first = meta.next();
        assertEquals(0, first.getNodeId());
        assertEquals("127.0.0.1", first.getHost());
        assertEquals(node.address().getPort(), first.getPort());
        assertTrue(first.getCapacityBytes() > 0);
        assertEquals(0, first.getUsedBytes());

        awaitEquals(ASSIGNED_ID, node::nodeId);
        assertEquals(String.valueOf(ASSIGNED_ID), Files.readString(dir.resolve("node-id")).trim());
        // Beats go on, now with the id.
        assertEquals(ASSIGNED_ID, meta.nextWithId(ASSIGNED_ID).getNodeId());

        node.close();
        meta.forget();
        node = DataNode.start(config(meta.address()));

        assertEquals(ASSIGNED_ID, meta.next().getNodeId());
        awaitEquals(ASSIGNED_ID, node::nodeId);
    }

    @Test
    void aNode_keepsTrying_whileTheMetadataServerIsDown() throws Exception {
        InetSocketAddress later = new InetSocketAddress("127.0.0.1", freePort());
        node = DataNode.start(config(later));

        Thread.sleep(10 * BEAT_MILLIS);
        assertEquals(0, node.nodeId());

        meta = FakeMeta.start(later);
        awaitEquals(ASSIGNED_ID, node::nodeId);
        assertEquals(String.valueOf(ASSIGNED_ID), Files.readString(dir.resolve("node-id")).trim());
    }

    @Test
    void aRefusal_fromTheMetadataServer_leavesTheNodeUnregistered() throws Exception {
        meta = FakeMeta.start(new InetSocketAddress("127.0.0.1", 0));
        meta.refuseWith(Errno.EAGAIN);
        node = DataNode.start(config(meta.address()));

        meta.next();
        meta.next();
        assertEquals(0, node.nodeId());
        assertTrue(Files.notExists(dir.resolve("node-id")));

        meta.refuseWith(null);
        awaitEquals(ASSIGNED_ID, node::nodeId);
    }

    @Test
    void aCorruptNodeIdFile_stopsTheStart_andLeavesTheDirectoryFree() throws Exception {
        meta = FakeMeta.start(new InetSocketAddress("127.0.0.1", 0));
        Files.writeString(dir.resolve("node-id"), "seven\n");

        FsException corrupt = assertThrows(FsException.class, () -> DataNode.start(config(meta.address())));
        assertEquals(Errno.EIO, corrupt.errno());
        assertTrue(corrupt.getMessage().contains("node-id"), corrupt.getMessage());

        Files.writeString(dir.resolve("node-id"), "12\n");
        node = DataNode.start(config(meta.address()));
        assertEquals(12, meta.next().getNodeId());
        awaitEquals(12, node::nodeId);
    }

    private DataConfig config(InetSocketAddress metaAddress) {
        return DataConfig.loopback(dir, SECRET).withMetaAddress(metaAddress).withHeartbeatIntervalMillis(BEAT_MILLIS);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void awaitEquals(int expected, IntSupplier actual) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (actual.getAsInt() != expected) {
            if (System.nanoTime() > deadline) {
                fail("expected " + expected + " within 10 s, still " + actual.getAsInt());
            }
            Thread.sleep(10);
        }
    }

    /** The metadata server's registration endpoint, and nothing else of it. */
    private static final class FakeMeta implements AutoCloseable {
        private final BlockingQueue<RegisterNodeReq> received = new LinkedBlockingQueue<>();
        private volatile Errno refusal;
        private RpcServer server;

        static FakeMeta start(InetSocketAddress address) throws IOException, InterruptedException {
            FakeMeta meta = new FakeMeta();
            meta.server = RpcServer.start("fake-meta", address, SECRET, FrameType.META_REQUEST, meta::handle, 1,
                    FrameDecoder.DEFAULT_MAX_FRAME_BYTES);
            return meta;
        }

        private CompletableFuture<Reply> handle(Frame request) {
            try {
                RegisterNodeReq registration = request.parse(MetaRequest.parser()).getRegisterNode();
                received.add(registration);
                Errno refused = refusal;
                if (refused != null) {
                    return CompletableFuture.completedFuture(Reply.of(MetaResponse.newBuilder()
                            .setErrno(refused.code()).setMessage("not now").build()));
                }
                int id = registration.getNodeId() == 0 ? ASSIGNED_ID : registration.getNodeId();
                return CompletableFuture.completedFuture(Reply.of(MetaResponse.newBuilder()
                        .setRegisterNode(RegisterNodeReply.newBuilder().setNodeId(id)).build()));
            } catch (Exception e) {
                return CompletableFuture.failedFuture(e);
            } finally {
                request.release();
            }
        }

        InetSocketAddress address() {
            return server.address();
        }

        void refuseWith(Errno errno) {
            refusal = errno;
        }

        RegisterNodeReq next() throws InterruptedException {
            RegisterNodeReq r = received.poll(10, TimeUnit.SECONDS);
            assertNotNull(r, "no registration within 10 s");
            return r;
        }

        RegisterNodeReq nextWithId(int id) throws InterruptedException {
            RegisterNodeReq r;
            do {
                r = next();
            } while (r.getNodeId() != id);
            return r;
        }

        void forget() {
            received.clear();
        }

        @Override
        public void close() {
            server.close();
        }
    }
}
