package io.mnemo.core.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.proto.ChunkRequest;
import io.mnemo.core.proto.ChunkResponse;
import io.mnemo.core.proto.GetattrReq;
import io.mnemo.core.proto.MetaRequest;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.core.proto.ReadChunkReq;
import io.mnemo.core.proto.WriteChunkReq;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A real {@link RpcServer} and {@link RpcClient} talking over loopback. */
@ExtendWith(NettyLeakCheck.class)
class RpcTest {
    private static final ClusterSecret SECRET = ClusterSecret.of("the cluster secret");
    private static final long NEVER_ANSWERED = Long.MAX_VALUE;
    private static final long WAIT_SECONDS = 10;

    private final Deque<Closeable> toClose = new ArrayDeque<>();
    private final CountDownLatch unansweredArrived = new CountDownLatch(1);
    private EventLoopGroup clientGroup;

    @BeforeEach
    void startClientGroup() {
        clientGroup = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    }

    @AfterEach
    void closeEverything() throws IOException {
        while (!toClose.isEmpty()) {
            toClose.pop().close();
        }
        clientGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void call_pipelinedRequests_eachGetsItsOwnAnswer() throws Exception {
        RpcServer server = metaServer();
        RpcClient client = client(server, SECRET, 2, 10_000);

        int calls = 1_000;
        List<CompletableFuture<Frame>> futures = new ArrayList<>(calls);
        for (int i = 1; i <= calls; i++) {
            futures.add(client.call(FrameType.META_REQUEST, getattr(i)));
        }

        for (int i = 1; i <= calls; i++) {
            Frame response = futures.get(i - 1).get(WAIT_SECONDS, TimeUnit.SECONDS);
            try {
                assertEquals(FrameType.META_RESPONSE, response.type());
                MetaResponse answer = response.parse(MetaResponse.parser());
                assertEquals(0, answer.getErrno());
                assertEquals(i, answer.getAttr().getInode(), "call " + i + " got another call's answer");
                assertEquals("echo " + i, answer.getMessage());
            } finally {
                response.release();
            }
        }
    }

    @Test
    void call_eachCallHasItsOwnRequestId() throws Exception {
        RpcServer server = metaServer();
        RpcClient client = client(server, SECRET, 1, 10_000);

        Frame first = client.call(FrameType.META_REQUEST, getattr(1)).get(WAIT_SECONDS, TimeUnit.SECONDS);
        Frame second = client.call(FrameType.META_REQUEST, getattr(2)).get(WAIT_SECONDS, TimeUnit.SECONDS);

        assertTrue(first.requestId() != second.requestId(), "each call has its own request id");
        first.release();
        second.release();
    }

    @Test
    void call_bulkDataBothWays_arrivesIntact() throws Exception {
        RpcServer server = chunkServer();
        RpcClient client = client(server, SECRET, 2, 10_000);
        int bytes = 4 * 1024 * 1024;
        byte[] written = new byte[bytes];
        new Random(7).nextBytes(written);

        // Upload: the server echoes what it received, so a corruption either way shows.
        ChunkRequest write = ChunkRequest.newBuilder()
                .setWrite(WriteChunkReq.newBuilder().setInode(1).setLength(bytes)).build();
        ByteBuf upload = Unpooled.wrappedBuffer(written);
        Frame echoed = client.call(FrameType.CHUNK_REQUEST, write, upload).get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertEquals(0, upload.refCnt(), "the client releases what it sent");
        try {
            assertEquals(FrameType.CHUNK_RESPONSE, echoed.type());
            assertEquals(bytes, echoed.parse(ChunkResponse.parser()).getLength());
            assertArrayEquals(written, ByteBufUtil.getBytes(echoed.data()));
        } finally {
            echoed.release();
        }

        // Download: data generated by the server with no request data at all.
        ChunkRequest read = ChunkRequest.newBuilder()
                .setRead(ReadChunkReq.newBuilder().setInode(1).setLength(bytes)).build();
        Frame read1 = client.call(FrameType.CHUNK_REQUEST, read).get(WAIT_SECONDS, TimeUnit.SECONDS);
        try {
            assertEquals(bytes, read1.parse(ChunkResponse.parser()).getLength());
            assertArrayEquals(pattern(bytes), ByteBufUtil.getBytes(read1.data()));
        } finally {
            read1.release();
        }
    }

    @Test
    void call_manyBulkCallsAtOnce_eachGetsItsOwnData() throws Exception {
        RpcServer server = chunkServer();
        RpcClient client = client(server, SECRET, 2, 10_000);
        int calls = 32;
        int bytes = 256 * 1024;

        List<byte[]> sent = new ArrayList<>();
        List<CompletableFuture<Frame>> futures = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            byte[] data = new byte[bytes];
            new Random(i).nextBytes(data);
            sent.add(data);
            ChunkRequest write = ChunkRequest.newBuilder()
                    .setWrite(WriteChunkReq.newBuilder().setInode(i + 1).setLength(bytes)).build();
            futures.add(client.call(FrameType.CHUNK_REQUEST, write, Unpooled.wrappedBuffer(data)));
        }

        for (int i = 0; i < calls; i++) {
            Frame echoed = futures.get(i).get(WAIT_SECONDS, TimeUnit.SECONDS);
            try {
                assertArrayEquals(sent.get(i), ByteBufUtil.getBytes(echoed.data()), "call " + i);
            } finally {
                echoed.release();
            }
        }
    }

    @Test
    void call_withWrongSecret_failsWithEaccesAndServerKeepsServing() throws Exception {
        RpcServer server = metaServer();
        RpcClient intruder = client(server, ClusterSecret.of("a guess"), 1, 10_000);

        assertErrno(Set.of(Errno.EACCES), intruder.call(FrameType.META_REQUEST, getattr(1)));
        ByteBuf data = Unpooled.buffer(8).writeLong(1);
        assertErrno(Set.of(Errno.EACCES), intruder.call(FrameType.META_REQUEST, getattr(2), data));
        assertEquals(0, data.refCnt(), "a refused call releases the data it was given");

        RpcClient member = client(server, SECRET, 1, 10_000);
        Frame response = member.call(FrameType.META_REQUEST, getattr(3)).get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertEquals(3, response.parse(MetaResponse.parser()).getAttr().getInode());
        response.release();
    }

    @Test
    void call_pendingWhenServerCloses_failsInsteadOfHanging() throws Exception {
        RpcServer server = metaServer();
        RpcClient client = client(server, SECRET, 1, 60_000);
        Frame warmUp = client.call(FrameType.META_REQUEST, getattr(1)).get(WAIT_SECONDS, TimeUnit.SECONDS);
        warmUp.release();

        CompletableFuture<Frame> pending = client.call(FrameType.META_REQUEST, getattr(NEVER_ANSWERED));
        assertTrue(unansweredArrived.await(WAIT_SECONDS, TimeUnit.SECONDS));
        server.close();

        // Far sooner than the 60 s call timeout.
        assertErrno(Set.of(Errno.EIO, Errno.ECONNREFUSED), pending);
    }

    @Test
    void call_afterServerClosed_failsWithConnectionError() throws Exception {
        RpcServer server = metaServer();
        RpcClient client = client(server, SECRET, 1, 60_000);
        Frame warmUp = client.call(FrameType.META_REQUEST, getattr(1)).get(WAIT_SECONDS, TimeUnit.SECONDS);
        warmUp.release();

        server.close();

        for (int i = 0; i < 3; i++) {
            assertErrno(Set.of(Errno.EIO, Errno.ECONNREFUSED), client.call(FrameType.META_REQUEST, getattr(2)));
        }
    }

    @Test
    void call_toAnAddressNobodyListensOn_failsWithEconnrefused() throws Exception {
        RpcServer server = metaServer();
        InetSocketAddress address = server.address();
        server.close();

        RpcClient client = track(new RpcClient(clientGroup, address, SECRET, 1, FrameDecoder.DEFAULT_MAX_FRAME_BYTES, 60_000));

        assertErrno(Set.of(Errno.ECONNREFUSED), client.call(FrameType.META_REQUEST, getattr(1)));
    }

    @Test
    void call_toAServiceThatHangsUpWithoutAHandshake_saysSo() throws Exception {
        try (ServerSocket other = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Thread.ofPlatform().daemon().start(() -> {
                try (Socket hungUp = other.accept()) {
                    // closed at once, as another service or a firewall resetting the connection would
                } catch (IOException closed) {
                    // the test is over
                }
            });
            RpcClient client = track(new RpcClient(clientGroup, (InetSocketAddress) other.getLocalSocketAddress(),
                    SECRET, 1, FrameDecoder.DEFAULT_MAX_FRAME_BYTES, 60_000));
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> client.call(FrameType.META_REQUEST, getattr(1)).get(WAIT_SECONDS, TimeUnit.SECONDS));
            assertTrue(e.getCause().getMessage().contains("closed the connection before the handshake"),
                    e.getCause().getMessage());
        }
    }

    @Test
    void call_handlerNeverAnswers_timesOutWithEtimedout() throws Exception {
        RpcServer server = metaServer();
        RpcClient client = client(server, SECRET, 1, 300);

        long started = System.nanoTime();
        assertErrno(Set.of(Errno.ETIMEDOUT), client.call(FrameType.META_REQUEST, getattr(NEVER_ANSWERED)));
        long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        assertTrue(elapsedMillis >= 250, "timed out after only " + elapsedMillis + " ms");

        // The connection outlives one lost answer.
        Frame response = client.call(FrameType.META_REQUEST, getattr(5)).get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertEquals(5, response.parse(MetaResponse.parser()).getAttr().getInode());
        response.release();
    }

    @Test
    void call_afterClientClosed_failsWithEio() throws Exception {
        RpcServer server = metaServer();
        RpcClient client = client(server, SECRET, 1, 10_000);
        client.call(FrameType.META_REQUEST, getattr(1)).get(WAIT_SECONDS, TimeUnit.SECONDS).release();

        client.close();
        ByteBuf data = Unpooled.buffer(8).writeLong(1);

        assertErrno(Set.of(Errno.EIO), client.call(FrameType.META_REQUEST, getattr(2), data));
        assertEquals(0, data.refCnt());
    }

    @Test
    void start_onPortZero_reportsTheBoundPort() throws Exception {
        RpcServer server = metaServer();

        assertTrue(server.address().getPort() > 0);
        assertEquals("127.0.0.1", server.address().getAddress().getHostAddress());
    }

    @Test
    void start_onAPortInUse_failsWithEio() throws Exception {
        RpcServer first = metaServer();

        FsException e = assertThrows(FsException.class, () -> RpcServer.start("second", first.address(), SECRET,
                FrameType.META_REQUEST, request -> new CompletableFuture<>(), 1, FrameDecoder.DEFAULT_MAX_FRAME_BYTES));

        assertEquals(Errno.EIO, e.errno());
        assertTrue(e.getMessage().contains(first.address().toString()), e.getMessage());
        Frame stillServing = client(first, SECRET, 1, 10_000).call(FrameType.META_REQUEST, getattr(1))
                .get(WAIT_SECONDS, TimeUnit.SECONDS);
        stillServing.release();
    }

    @Test
    void callWaiting_toAServerInThisProcess_isServedOnTheCallersThread_andEveryOtherCallOnTheServers()
            throws Exception {
        List<Thread> servedOn = new CopyOnWriteArrayList<>();
        RpcServer server = track(RpcServer.start("where-test", loopback(), SECRET, FrameType.META_REQUEST, request -> {
            servedOn.add(Thread.currentThread());
            return CompletableFuture.completedFuture(Reply.of(MetaResponse.getDefaultInstance()));
        }, 1, FrameDecoder.DEFAULT_MAX_FRAME_BYTES));
        RpcClient inProcess = track(new RpcClient(clientGroup, server.address(), SECRET, 1,
                FrameDecoder.DEFAULT_MAX_FRAME_BYTES, 10_000, true));
        RpcClient network = client(server, SECRET, 1, 10_000);

        inProcess.callWaiting(FrameType.META_REQUEST, getattr(1)).get(WAIT_SECONDS, TimeUnit.SECONDS).release();
        inProcess.call(FrameType.META_REQUEST, getattr(2)).get(WAIT_SECONDS, TimeUnit.SECONDS).release();
        network.callWaiting(FrameType.META_REQUEST, getattr(3)).get(WAIT_SECONDS, TimeUnit.SECONDS).release();

        assertEquals(Thread.currentThread(), servedOn.get(0));
        assertNotEquals(Thread.currentThread(), servedOn.get(1));
        assertNotEquals(Thread.currentThread(), servedOn.get(2));
    }

    private RpcServer metaServer() throws FsException, InterruptedException {
        RequestHandler echo = request -> {
            try {
                long inode = request.parse(MetaRequest.parser()).getGetattr().getInode();
                if (inode == NEVER_ANSWERED) {
                    unansweredArrived.countDown();
                    return new CompletableFuture<>();
                }
                return CompletableFuture.completedFuture(Reply.of(MetaResponse.newBuilder()
                        .setMessage("echo " + inode)
                        .setAttr(io.mnemo.core.proto.AttrMsg.newBuilder().setInode(inode))
                        .build()));
            } catch (FsException e) {
                return CompletableFuture.completedFuture(Reply.of(
                        MetaResponse.newBuilder().setErrno(e.errno().code()).setMessage(e.reason()).build()));
            } finally {
                request.release();
            }
        };
        return track(RpcServer.start("meta-test", loopback(), SECRET, FrameType.META_REQUEST, echo, 4,
                FrameDecoder.DEFAULT_MAX_FRAME_BYTES));
    }

    /** Echoes a write's data back; answers a read with {@link #pattern} bytes. */
    private RpcServer chunkServer() throws FsException, InterruptedException {
        RequestHandler chunks = request -> {
            ChunkRequest chunkRequest;
            try {
                chunkRequest = request.parse(ChunkRequest.parser());
            } catch (FsException e) {
                request.release();
                return CompletableFuture.completedFuture(Reply.of(
                        ChunkResponse.newBuilder().setErrno(e.errno().code()).build()));
            }
            if (chunkRequest.hasRead()) {
                request.release();
                int length = chunkRequest.getRead().getLength();
                return CompletableFuture.completedFuture(new Reply(
                        ChunkResponse.newBuilder().setLength(length).build(), Unpooled.wrappedBuffer(pattern(length))));
            }
            // The request's data becomes the reply's: ownership passes to the encoder.
            ByteBuf data = request.data();
            return CompletableFuture.completedFuture(new Reply(
                    ChunkResponse.newBuilder().setLength(data.readableBytes()).build(), data));
        };
        return track(RpcServer.start("chunk-test", loopback(), SECRET, FrameType.CHUNK_REQUEST, chunks, 4,
                FrameDecoder.DEFAULT_MAX_FRAME_BYTES));
    }

    private RpcClient client(RpcServer server, ClusterSecret secret, int connections, long timeoutMillis) {
        return track(new RpcClient(clientGroup, server.address(), secret, connections,
                FrameDecoder.DEFAULT_MAX_FRAME_BYTES, timeoutMillis));
    }

    private <C extends Closeable> C track(C closeable) {
        toClose.push(closeable);
        return closeable;
    }

    private static InetSocketAddress loopback() {
        return new InetSocketAddress("127.0.0.1", 0);
    }

    private static MetaRequest getattr(long inode) {
        return MetaRequest.newBuilder().setGetattr(GetattrReq.newBuilder().setInode(inode)).build();
    }

    private static byte[] pattern(int bytes) {
        byte[] data = new byte[bytes];
        for (int i = 0; i < bytes; i++) {
            data[i] = (byte) (i * 31 + (i >>> 8));
        }
        return data;
    }

    /** Waits (boundedly) for a call that must fail, and checks it failed with one of the errnos. */
    private static void assertErrno(Set<Errno> expected, CompletableFuture<Frame> call) throws InterruptedException {
        ExecutionException e = assertThrows(ExecutionException.class, () -> {
            Frame unexpected;
            try {
                unexpected = call.get(WAIT_SECONDS, TimeUnit.SECONDS);
            } catch (TimeoutException hung) {
                throw new AssertionError("the call neither failed nor succeeded in " + WAIT_SECONDS + " s", hung);
            }
            unexpected.release();
        });
        FsException cause = assertInstanceOf(FsException.class, e.getCause());
        assertTrue(expected.contains(cause.errno()), "expected one of " + expected + " but got " + cause.getMessage());
    }
}
