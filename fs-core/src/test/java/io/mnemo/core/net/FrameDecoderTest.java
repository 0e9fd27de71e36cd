package io.mnemo.core.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.proto.GetattrReq;
import io.mnemo.core.proto.MetaRequest;
import io.mnemo.core.proto.WriteChunkReq;
import io.mnemo.core.proto.ChunkRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The decoder against bytes produced by the real encoder, and against hand-made headers that a
 * hostile or confused peer could send. Every test ends with every buffer released.
 */
@ExtendWith(NettyLeakCheck.class)
class FrameDecoderTest {
    private static final int MAX_FRAME_BYTES = 64 * 1024;

    private final List<ByteBuf> owned = new ArrayList<>();

    @AfterEach
    void everyOwnedBufferIsReleased() {
        for (ByteBuf buf : owned) {
            assertEquals(0, buf.refCnt(), "a buffer handed to the codec was not released");
        }
    }

    @Test
    void decode_encodedFrameWithMessageAndData_roundTrips() throws Exception {
        ByteBuf data = own(randomData(10_000, 1));
        byte[] expectedData = ByteBufUtil.getBytes(data);
        ChunkRequest request = ChunkRequest.newBuilder()
                .setWrite(WriteChunkReq.newBuilder().setInode(7).setIndex(3).setOffset(4096).setLength(10_000))
                .build();

        EmbeddedChannel decoder = decoder();
        assertTrue(decoder.writeInbound(encode(Frame.of(FrameType.CHUNK_REQUEST, 42L, request, data))));
        Frame frame = decoder.readInbound();
        try {
            assertEquals(FrameType.CHUNK_REQUEST, frame.type());
            assertEquals(42L, frame.requestId());
            assertEquals(request, frame.parse(ChunkRequest.parser()));
            assertArrayEquals(expectedData, ByteBufUtil.getBytes(frame.data()));
        } finally {
            frame.release();
        }
        assertNull(decoder.readInbound());
        assertFalse(decoder.finish());
    }

    @Test
    void decode_frameWithoutData_hasEmptyData() throws Exception {
        MetaRequest request = MetaRequest.newBuilder().setGetattr(GetattrReq.newBuilder().setInode(1)).build();

        EmbeddedChannel decoder = decoder();
        decoder.writeInbound(encode(Frame.of(FrameType.META_REQUEST, Long.MAX_VALUE, request)));
        Frame frame = decoder.readInbound();

        assertEquals(Long.MAX_VALUE, frame.requestId());
        assertEquals(request, frame.parse(MetaRequest.parser()));
        assertEquals(0, frame.data().readableBytes());
        frame.release();
        assertFalse(decoder.finish());
    }

    @Test
    void decode_frameWithEmptyMessage_decodes() {
        EmbeddedChannel decoder = decoder();
        decoder.writeInbound(encode(Frame.of(FrameType.META_RESPONSE, 1, MetaRequest.getDefaultInstance())));
        Frame frame = decoder.readInbound();

        assertEquals(0, frame.message().length);
        frame.release();
        assertFalse(decoder.finish());
    }

    @Test
    void decode_frameSplitIntoOneBytePieces_decodesOnceComplete() throws Exception {
        ByteBuf data = own(randomData(300, 2));
        byte[] expectedData = ByteBufUtil.getBytes(data);
        MetaRequest request = MetaRequest.newBuilder().setGetattr(GetattrReq.newBuilder().setInode(99)).build();
        ByteBuf wire = encode(Frame.of(FrameType.META_REQUEST, 5, request, data));
        byte[] bytes = ByteBufUtil.getBytes(wire);
        wire.release();

        EmbeddedChannel decoder = decoder();
        for (int i = 0; i < bytes.length - 1; i++) {
            decoder.writeInbound(Unpooled.wrappedBuffer(new byte[] {bytes[i]}));
            assertNull(decoder.readInbound(), "a frame came out after only " + (i + 1) + " of " + bytes.length + " bytes");
        }
        decoder.writeInbound(Unpooled.wrappedBuffer(new byte[] {bytes[bytes.length - 1]}));
        Frame frame = decoder.readInbound();

        assertNotNull(frame);
        assertEquals(5, frame.requestId());
        assertEquals(request, frame.parse(MetaRequest.parser()));
        assertArrayEquals(expectedData, ByteBufUtil.getBytes(frame.data()));
        frame.release();
        assertFalse(decoder.finish());
    }

    @Test
    void decode_severalFramesInOneBuffer_decodesEachInOrder() throws Exception {
        CompositeByteBuf wire = own(Unpooled.compositeBuffer());
        for (int id = 1; id <= 3; id++) {
            MetaRequest request = MetaRequest.newBuilder().setGetattr(GetattrReq.newBuilder().setInode(id)).build();
            wire.addComponent(true,
                    encode(Frame.of(FrameType.META_REQUEST, id, request, Unpooled.wrappedBuffer(new byte[id]))));
        }

        EmbeddedChannel decoder = decoder();
        decoder.writeInbound(wire);

        for (int id = 1; id <= 3; id++) {
            Frame frame = decoder.readInbound();
            assertEquals(id, frame.requestId());
            assertEquals(id, frame.parse(MetaRequest.parser()).getGetattr().getInode());
            assertEquals(id, frame.data().readableBytes());
            frame.release();
        }
        assertNull(decoder.readInbound());
        assertFalse(decoder.finish());
    }

    @Test
    void decode_bodyOfExactlyTheMaximum_isAccepted() {
        int bodyBytes = MAX_FRAME_BYTES;
        ByteBuf data = own(Unpooled.buffer(bodyBytes - 4).writeZero(bodyBytes - 4));

        EmbeddedChannel decoder = decoder();
        decoder.writeInbound(encode(new Frame(FrameType.CHUNK_RESPONSE, 1, new byte[0], data)));
        Frame frame = decoder.readInbound();

        assertEquals(bodyBytes - 4, frame.data().readableBytes());
        frame.release();
        assertFalse(decoder.finish());
    }

    @Test
    void decode_frameOverMaximum_isRefusedBeforeTheBodyArrives() {
        Closer closer = new Closer();
        EmbeddedChannel decoder = new EmbeddedChannel(new FrameDecoder(MAX_FRAME_BYTES), closer);

        // Only the 19-byte header: the decoder must refuse it without waiting for (or allocating) the body.
        decoder.writeInbound(own(header(Frame.MAGIC, Frame.VERSION, FrameType.CHUNK_REQUEST.code(), 1, MAX_FRAME_BYTES + 1)));

        assertInstanceOf(TooLongFrameException.class, closer.causes.getFirst());
        assertFalse(decoder.isOpen(), "the connection should be closed");
        assertEquals(List.of(), closer.decoded);
    }

    @Test
    void decode_bodyLengthAboveTwoGibibytes_isRefused() {
        EmbeddedChannel decoder = decoder();

        // 0xFFFFFFFF read as a signed int would be -1; it must be taken as 4 GiB - 1 and refused.
        assertThrows(TooLongFrameException.class, () ->
                decoder.writeInbound(own(header(Frame.MAGIC, Frame.VERSION, FrameType.CHUNK_REQUEST.code(), 1, 0xFFFFFFFF))));
        decoder.close();
    }

    @Test
    void decode_bodyTooShortForTheMessageLength_isRefused() {
        EmbeddedChannel decoder = decoder();

        assertThrows(DecoderException.class, () ->
                decoder.writeInbound(own(header(Frame.MAGIC, Frame.VERSION, FrameType.META_REQUEST.code(), 1, 3))));
        decoder.close();
    }

    @Test
    void decode_messageLengthBeyondTheBody_isRefused() {
        ByteBuf wire = own(header(Frame.MAGIC, Frame.VERSION, FrameType.META_REQUEST.code(), 1, 8));
        wire.writeInt(5).writeInt(0); // claims a 5-byte message inside a body with room for 4

        EmbeddedChannel decoder = decoder();

        assertThrows(CorruptedFrameException.class, () -> decoder.writeInbound(wire));
        decoder.close();
    }

    @Test
    void decode_badMagic_isRefused() {
        Closer closer = new Closer();
        EmbeddedChannel decoder = new EmbeddedChannel(new FrameDecoder(MAX_FRAME_BYTES), closer);

        decoder.writeInbound(own(header(0x48545450 /* "HTTP" */, Frame.VERSION, FrameType.META_REQUEST.code(), 1, 4)));

        assertInstanceOf(CorruptedFrameException.class, closer.causes.getFirst());
        assertFalse(decoder.isOpen());
        assertEquals(List.of(), closer.decoded);
    }

    @Test
    void decode_unknownVersion_isRefused() {
        EmbeddedChannel decoder = decoder();

        assertThrows(CorruptedFrameException.class, () ->
                decoder.writeInbound(own(header(Frame.MAGIC, (byte) 2, FrameType.META_REQUEST.code(), 1, 4))));
        decoder.close();
    }

    @Test
    void decode_unknownFrameType_isRefused() {
        Closer closer = new Closer();
        EmbeddedChannel decoder = new EmbeddedChannel(new FrameDecoder(MAX_FRAME_BYTES), closer);

        decoder.writeInbound(own(header(Frame.MAGIC, Frame.VERSION, (byte) 99, 1, 4)));

        assertInstanceOf(CorruptedFrameException.class, closer.causes.getFirst());
        assertFalse(decoder.isOpen());
        assertEquals(List.of(), closer.decoded);
    }

    @Test
    void decode_partialHeader_waitsForMore() {
        EmbeddedChannel decoder = decoder();
        ByteBuf header = own(header(Frame.MAGIC, Frame.VERSION, FrameType.META_REQUEST.code(), 1, MAX_FRAME_BYTES + 1));

        // 18 bytes of a header that will be refused once complete: nothing can be judged yet.
        decoder.writeInbound(header.readRetainedSlice(Frame.HEADER_BYTES - 1));
        assertNull(decoder.readInbound());
        assertTrue(decoder.isOpen());

        assertThrows(TooLongFrameException.class, () -> decoder.writeInbound(header));
        decoder.close();
    }

    @Test
    void decode_largeDataArrivingInPieces_goesIntoAPooledBuffer_whichTheNextFrameUsesAgain() throws Exception {
        BufferPool pool = new BufferPool(8 << 20);
        EmbeddedChannel decoder = new EmbeddedChannel(new FrameDecoder(4 << 20, pool));
        MetaRequest request = MetaRequest.newBuilder().setGetattr(GetattrReq.newBuilder().setInode(9)).build();
        for (int round = 1; round <= 2; round++) {
            ByteBuf data = own(randomData((1 << 20) + round, round));
            byte[] expectedData = ByteBufUtil.getBytes(data);
            ByteBuf wire = encode(Frame.of(FrameType.CHUNK_RESPONSE, round, request, data));
            while (wire.readableBytes() > 10_000) {
                decoder.writeInbound(wire.readRetainedSlice(10_000));
                assertNull(decoder.readInbound(), "a frame came out with " + wire.readableBytes() + " bytes to come");
            }
            decoder.writeInbound(wire);
            Frame frame = decoder.readInbound();
            try {
                assertEquals(round, frame.requestId());
                assertEquals(request, frame.parse(MetaRequest.parser()));
                assertArrayEquals(expectedData, ByteBufUtil.getBytes(frame.data()));
                assertEquals(0, pool.idleBytes());
            } finally {
                frame.release();
            }
            assertEquals(2 << 20, pool.idleBytes(), "back in the pool, whose 2 MiB buffers hold a MiB and more");
            assertEquals(1, pool.allocations(), "round " + round);
        }
        assertFalse(decoder.finish());
    }

    @Test
    void decode_largeFrameThenSmallOnesInOneBuffer_decodesEachInOrder() throws Exception {
        EmbeddedChannel decoder = new EmbeddedChannel(new FrameDecoder(4 << 20, new BufferPool(8 << 20)));
        ByteBuf large = own(randomData(300_000, 3));
        byte[] expectedLarge = ByteBufUtil.getBytes(large);
        CompositeByteBuf wire = own(Unpooled.compositeBuffer());
        wire.addComponent(true, encode(Frame.of(FrameType.CHUNK_RESPONSE, 1, MetaRequest.getDefaultInstance(), large)));
        for (int id = 2; id <= 3; id++) {
            wire.addComponent(true, encode(Frame.of(FrameType.CHUNK_RESPONSE, id, MetaRequest.getDefaultInstance(),
                    Unpooled.wrappedBuffer(new byte[id]))));
        }

        decoder.writeInbound(wire);

        Frame first = decoder.readInbound();
        assertArrayEquals(expectedLarge, ByteBufUtil.getBytes(first.data()));
        first.release();
        for (int id = 2; id <= 3; id++) {
            Frame frame = decoder.readInbound();
            assertEquals(id, frame.requestId());
            assertEquals(id, frame.data().readableBytes());
            frame.release();
        }
        assertNull(decoder.readInbound());
        assertFalse(decoder.finish());
    }

    @Test
    void decode_connectionEndingInsideLargeData_givesItsBufferBack() {
        BufferPool pool = new BufferPool(8 << 20);
        EmbeddedChannel decoder = new EmbeddedChannel(new FrameDecoder(4 << 20, pool));
        ByteBuf data = own(randomData(200_000, 4));
        ByteBuf wire = encode(Frame.of(FrameType.CHUNK_REQUEST, 1, MetaRequest.getDefaultInstance(), data));

        decoder.writeInbound(wire.readRetainedSlice(100_000));
        wire.release();
        assertEquals(0, pool.idleBytes());
        assertFalse(decoder.finish());

        assertEquals(1, pool.allocations());
        assertEquals(256 << 10, pool.idleBytes());
    }

    @Test
    void parse_malformedMessage_failsWithEproto() {
        Frame frame = new Frame(FrameType.META_REQUEST, 1, new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF}, Unpooled.EMPTY_BUFFER);

        FsException e = assertThrows(FsException.class, () -> frame.parse(MetaRequest.parser()));
        assertEquals(Errno.EPROTO, e.errno());
    }

    private <B extends ByteBuf> B own(B buf) {
        owned.add(buf);
        return buf;
    }

    private static EmbeddedChannel decoder() {
        return new EmbeddedChannel(new FrameDecoder(MAX_FRAME_BYTES));
    }

    /** The bytes the production encoder writes for a frame, as one buffer. */
    static ByteBuf encode(Frame frame) {
        EmbeddedChannel encoder = new EmbeddedChannel(FrameEncoder.INSTANCE);
        assertTrue(encoder.writeOutbound(frame));
        ByteBuf wire = encoder.readOutbound();
        assertNull(encoder.readOutbound());
        assertFalse(encoder.finish());
        return wire;
    }

    static ByteBuf header(int magic, byte version, byte type, long requestId, int bodyLength) {
        return Unpooled.buffer(Frame.HEADER_BYTES + 8)
                .writeInt(magic).writeByte(version).writeByte(type).writeByte(0)
                .writeLong(requestId).writeInt(bodyLength);
    }

    static ByteBuf randomData(int bytes, long seed) {
        byte[] data = new byte[bytes];
        new Random(seed).nextBytes(data);
        // From the pooled allocator, so Netty's leak detector watches it too.
        return ByteBufAllocator.DEFAULT.directBuffer(bytes).writeBytes(data);
    }

    /** What a server's last handler does with a decoding error: remember it and close the connection. */
    private static final class Closer extends ChannelInboundHandlerAdapter {
        final List<Object> decoded = new ArrayList<>();
        final List<Throwable> causes = new ArrayList<>();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Frame frame) {
                frame.release();
            }
            decoded.add(msg);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            causes.add(cause);
            ctx.close();
        }
    }
}
