package io.mnemo.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.net.ClusterSecret;
import io.mnemo.core.net.Frame;
import io.mnemo.core.net.FrameDecoder;
import io.mnemo.core.net.FrameType;
import io.mnemo.core.net.RpcClient;
import io.mnemo.core.proto.ChunkRequest;
import io.mnemo.core.proto.ChunkResponse;
import io.mnemo.core.proto.DeleteChunksReq;
import io.mnemo.core.proto.NodeStatReq;
import io.mnemo.core.proto.ReadChunkReq;
import io.mnemo.core.proto.SyncChunksReq;
import io.mnemo.core.proto.TruncateChunksReq;
import io.mnemo.core.proto.VerifyChunksReq;
import io.mnemo.core.proto.WriteChunkReq;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A data node over real Netty on loopback, driven by fs-core's {@link RpcClient}. */
@ExtendWith(NoLeaks.class)
class DataNodeTest {
    private static final ClusterSecret SECRET = ClusterSecret.of("data-node-test-secret");
    private static final int MIB = 1024 * 1024;
    private static final long INODE = 77;

    private static EventLoopGroup group;

    @TempDir
    Path dir;
    private DataNode node;
    private RpcClient client;

    @BeforeAll
    static void startGroup() {
        group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stopGroup() {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    @BeforeEach
    void start() throws Exception {
        node = DataNode.start(DataConfig.loopback(dir, SECRET));
        client = connect(SECRET);
    }

    @AfterEach
    void stop() {
        client.close();
        node.close();
    }

    @Test
    void eightMiB_writtenInOneMiBRequests_readsBackExactly_andTruncateDeleteAndStatFollow() throws Exception {
        byte[] data = new byte[8 * MIB];
        new Random(42).nextBytes(data);
        int chunkBytes = 4 * MIB;

        // Pipelined, as the client's writer sends them: all eight in flight at once.
        List<CompletableFuture<Frame>> writes = new ArrayList<>();
        for (int offset = 0; offset < data.length; offset += MIB) {
            writes.add(write(INODE, offset / chunkBytes, offset % chunkBytes, data, offset, MIB));
        }
        for (CompletableFuture<Frame> w : writes) {
            assertOk(response(w));
        }

        List<CompletableFuture<Frame>> reads = new ArrayList<>();
        for (int offset = 0; offset < data.length; offset += MIB) {
            reads.add(read(INODE, offset / chunkBytes, offset % chunkBytes, MIB));
        }
        byte[] back = new byte[data.length];
        for (int i = 0; i < reads.size(); i++) {
            byte[] piece = bytes(reads.get(i));
            assertEquals(MIB, piece.length);
            System.arraycopy(piece, 0, back, i * MIB, MIB);
        }
        assertArrayEquals(data, back);

        ChunkResponse stat = stat();
        assertEquals(8L * MIB, stat.getUsedBytes());
        assertTrue(stat.getCapacityBytes() > stat.getUsedBytes());

        assertOk(call(ChunkRequest.newBuilder().setSync(SyncChunksReq.newBuilder().setInode(INODE)).build()));

        // Truncate the file to 1 MiB + 5: chunk 0 keeps that much, chunk 1 goes.
        assertOk(call(ChunkRequest.newBuilder()
                .setTruncate(TruncateChunksReq.newBuilder().setInode(INODE).setIndex(0).setLength(MIB + 5)).build()));
        assertArrayEquals(java.util.Arrays.copyOfRange(data, MIB, MIB + 5), bytes(read(INODE, 0, MIB, MIB)));
        assertEquals(0, bytes(read(INODE, 1, 0, MIB)).length);
        assertEquals(MIB + 5, stat().getUsedBytes());

        assertOk(call(ChunkRequest.newBuilder().setDelete(DeleteChunksReq.newBuilder().addInodes(INODE)).build()));
        assertEquals(0, bytes(read(INODE, 0, 0, MIB)).length);
        assertEquals(0, stat().getUsedBytes());
    }

    @Test
    void aBitFlippedOnDisk_failsReadsOfItsBlockWithEio_logsOneLine_andVerifyNamesExactlyTheDamagedChunks()
            throws Exception {
        int chunkBytes = 300_000;
        byte[] data = new byte[4 * chunkBytes];
        new Random(5).nextBytes(data);
        for (int i = 0; i < 4; i++) {
            assertOk(response(write(INODE, i, 0, data, i * chunkBytes, chunkBytes)));
        }
        assertOk(call(ChunkRequest.newBuilder().setSync(SyncChunksReq.newBuilder().setInode(INODE)).build()));
        assertEquals(List.of(), verify(INODE).getDamagedList());

        flipBit(1, 70_000); // block 1 of chunk 1
        flipBit(3, chunkBytes - 1); // the last byte of chunk 3, in its partial last block

        try (CapturedLog log = new CapturedLog()) {
            ChunkResponse failed = response(read(INODE, 1, 65_536, 1000));
            assertEquals(Errno.EIO.code(), failed.getErrno());
            assertTrue(failed.getMessage().contains("chunk 77:1 block 1"), failed.getMessage());
            assertEquals(1, log.linesContaining("chunk 77:1").size(), log.lines().toString());
        }
        assertArrayEquals(java.util.Arrays.copyOfRange(data, chunkBytes, chunkBytes + 65_536),
                bytes(read(INODE, 1, 0, 65_536)));
        assertArrayEquals(java.util.Arrays.copyOfRange(data, 0, chunkBytes), bytes(read(INODE, 0, 0, MIB)));
        assertArrayEquals(java.util.Arrays.copyOfRange(data, 2 * chunkBytes, 3 * chunkBytes), bytes(read(INODE, 2, 0, MIB)));

        ChunkResponse verified = verify(INODE);
        assertOk(verified);
        assertEquals(List.of(1L, 3L), verified.getDamagedList());
        assertEquals(List.of(), verify(INODE + 1).getDamagedList());
        assertEquals(Errno.EINVAL.code(), verify(0).getErrno());
    }

    @Test
    void aReadPastTheEnd_orOfAMissingChunk_comesBackShortOrEmpty() throws Exception {
        assertOk(response(write(INODE, 2, 10, "abc".getBytes(), 0, 3)));

        byte[] hole = bytes(read(INODE, 2, 0, 100));
        assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 'a', 'b', 'c'}, hole);
        assertEquals(0, bytes(read(INODE, 3, 0, 100)).length);
        assertEquals(0, bytes(read(INODE + 1, 0, 0, 100)).length);
    }

    @Test
    void badRequests_getAnErrno_andTheConnectionLivesOn() throws Exception {
        assertEquals(Errno.ENOSYS.code(), call(ChunkRequest.getDefaultInstance()).getErrno());
        assertEquals(Errno.EINVAL.code(), call(ChunkRequest.newBuilder()
                .setRead(ReadChunkReq.newBuilder().setInode(INODE).setLength(9 * MIB)).build()).getErrno());
        assertEquals(Errno.EINVAL.code(), call(ChunkRequest.newBuilder()
                .setRead(ReadChunkReq.newBuilder().setInode(0).setLength(1)).build()).getErrno());
        assertEquals(Errno.EINVAL.code(), call(ChunkRequest.newBuilder()
                .setRead(ReadChunkReq.newBuilder().setInode(INODE).setOffset(-1).setLength(1)).build()).getErrno());
        // The length field says 10, the frame carries 3.
        ChunkResponse mismatch = response(client.call(FrameType.CHUNK_REQUEST, ChunkRequest.newBuilder()
                .setWrite(WriteChunkReq.newBuilder().setInode(INODE).setLength(10)).build(),
                Unpooled.wrappedBuffer("abc".getBytes())));
        assertEquals(Errno.EINVAL.code(), mismatch.getErrno());
        assertTrue(mismatch.getMessage().contains("10"), mismatch.getMessage());

        assertEquals(0, stat().getErrno());
    }

    @Test
    void aClientWithTheWrongSecret_isRefused() {
        try (RpcClient stranger = connect(ClusterSecret.of("not-the-secret"))) {
            ExecutionException e = assertThrows(ExecutionException.class,
                    () -> stranger.call(FrameType.CHUNK_REQUEST, statRequest()).get(10, TimeUnit.SECONDS));
            FsException refused = assertInstanceOf(FsException.class, e.getCause());
            assertEquals(Errno.EACCES, refused.errno());
        }
    }

    @Test
    void aFrameOverTheMaximum_isRefusedFromItsHeader_beforeItsBodyArrives() throws Exception {
        try (Socket socket = new Socket(node.address().getAddress(), node.address().getPort())) {
            socket.setSoTimeout(10_000);
            DataInputStream in = new DataInputStream(socket.getInputStream());
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());

            // The server's challenge: header, then body.
            byte[] header = new byte[Frame.HEADER_BYTES];
            in.readFully(header);
            int bodyLength = java.nio.ByteBuffer.wrap(header).getInt(15);
            in.readFully(new byte[bodyLength]);

            // A header announcing a 1 GiB body, and not one byte of it.
            out.writeInt(Frame.MAGIC);
            out.writeByte(Frame.VERSION);
            out.writeByte(FrameType.CHUNK_REQUEST.code());
            out.writeByte(0);
            out.writeLong(1);
            out.writeInt(1 << 30);
            out.flush();

            // Closed at once: a server waiting for the body (or allocating it) would time out here.
            assertEquals(-1, in.read());
        }
        assertEquals(0, stat().getErrno());
    }

    @Test
    void aWriteOverTheMaximumFrame_closesThatConnection_andOthersAreServed() throws Exception {
        ByteBuf tooBig = Unpooled.wrappedBuffer(new byte[FrameDecoder.DEFAULT_MAX_FRAME_BYTES]);
        CompletableFuture<Frame> refused = client.call(FrameType.CHUNK_REQUEST, ChunkRequest.newBuilder()
                .setWrite(WriteChunkReq.newBuilder().setInode(INODE).setLength(FrameDecoder.DEFAULT_MAX_FRAME_BYTES))
                .build(), tooBig);

        ExecutionException e = assertThrows(ExecutionException.class, () -> refused.get(10, TimeUnit.SECONDS));
        assertInstanceOf(FsException.class, e.getCause());
        assertEquals(0, stat().getUsedBytes());
    }

    @Test
    void aSecondNode_onTheSameDirectory_isRefused() {
        FsException busy = assertThrows(FsException.class, () -> DataNode.start(DataConfig.loopback(dir, SECRET)));
        assertEquals(Errno.EBUSY, busy.errno());
        assertTrue(busy.getMessage().contains(dir.toString()), busy.getMessage());
    }

    @Test
    void aStandaloneNode_hasNoNodeId_andItsDirectoryIsFreeAfterClose() throws Exception {
        assertEquals(0, node.nodeId());
        assertEquals("127.0.0.1", node.address().getAddress().getHostAddress());
        client.close();
        node.close();

        node = DataNode.start(DataConfig.loopback(dir, SECRET));
        client = connect(SECRET);
        assertEquals(0, stat().getErrno());
    }

    // ------------------------------------------------------------------ helpers

    private RpcClient connect(ClusterSecret secret) {
        return new RpcClient(group, node.address(), secret, 2, FrameDecoder.DEFAULT_MAX_FRAME_BYTES, 10_000);
    }

    private CompletableFuture<Frame> write(long inode, long index, long offset, byte[] data, int from, int length) {
        ChunkRequest request = ChunkRequest.newBuilder().setWrite(WriteChunkReq.newBuilder()
                .setInode(inode).setIndex(index).setOffset(offset).setLength(length)).build();
        return client.call(FrameType.CHUNK_REQUEST, request, Unpooled.wrappedBuffer(data, from, length));
    }

    private CompletableFuture<Frame> read(long inode, long index, long offset, int length) {
        return client.call(FrameType.CHUNK_REQUEST, ChunkRequest.newBuilder().setRead(ReadChunkReq.newBuilder()
                .setInode(inode).setIndex(index).setOffset(offset).setLength(length)).build());
    }

    /** A read's bytes, checked against the length its response states. */
    private static byte[] bytes(CompletableFuture<Frame> reply) throws Exception {
        Frame frame = reply.get(10, TimeUnit.SECONDS);
        try {
            ChunkResponse response = frame.parse(ChunkResponse.parser());
            assertOk(response);
            assertEquals(response.getLength(), frame.data().readableBytes());
            return ByteBufUtil.getBytes(frame.data());
        } finally {
            frame.release();
        }
    }

    private ChunkResponse call(ChunkRequest request) throws Exception {
        return response(client.call(FrameType.CHUNK_REQUEST, request));
    }

    private static ChunkResponse response(CompletableFuture<Frame> reply) throws Exception {
        Frame frame = reply.get(10, TimeUnit.SECONDS);
        try {
            assertEquals(0, frame.data().readableBytes());
            return frame.parse(ChunkResponse.parser());
        } finally {
            frame.release();
        }
    }

    private ChunkResponse verify(long inode) throws Exception {
        return call(ChunkRequest.newBuilder().setVerify(VerifyChunksReq.newBuilder().setInode(inode)).build());
    }

    /** Inverts one bit of a chunk file of {@link #INODE} behind the node's back, as a bad disk would. */
    private void flipBit(long index, long offset) throws Exception {
        Path file = dir.resolve(DataNode.CHUNKS_DIR).resolve(java.util.HexFormat.of().toHexDigits(INODE))
                .resolve(Long.toString(index));
        try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(file,
                java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
            java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);
            channel.read(one, offset);
            one.put(0, (byte) (one.get(0) ^ 1)).rewind();
            channel.write(one, offset);
        }
    }

    private ChunkResponse stat() throws Exception {
        return call(statRequest());
    }

    private static ChunkRequest statRequest() {
        return ChunkRequest.newBuilder().setStat(NodeStatReq.getDefaultInstance()).build();
    }

    private static void assertOk(ChunkResponse response) {
        assertEquals(0, response.getErrno(), response.getMessage());
    }
}
