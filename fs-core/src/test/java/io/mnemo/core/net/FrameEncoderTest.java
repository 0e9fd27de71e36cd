package io.mnemo.core.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mnemo.core.proto.ChunkResponse;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The exact bytes the encoder writes, and who owns the frame's data afterwards. */
@ExtendWith(NettyLeakCheck.class)
class FrameEncoderTest {

    @Test
    void encode_frameWithMessageAndData_writesHeaderMessageAndData() {
        byte[] message = {0x0A, 0x0B, 0x0C};
        ByteBuf data = Unpooled.wrappedBuffer(new byte[] {1, 2, 3, 4, 5});

        ByteBuf wire = encode(new Frame(FrameType.CHUNK_RESPONSE, 0x0102030405060708L, message, data));

        // magic "MNMO", version 1, type 21, flags 0, request id, body length 4 + 3 + 5, message length 3
        byte[] expected = HexFormat.of().parseHex(
                "4d4e4d4f" + "01" + "15" + "00" + "0102030405060708" + "0000000c" + "00000003"
                        + "0a0b0c" + "0102030405");
        assertArrayEquals(expected, ByteBufUtil.getBytes(wire));
        wire.release();
        assertEquals(0, data.refCnt(), "the data belongs to the written buffer and goes with it");
    }

    @Test
    void encode_frameWithoutData_writesHeaderAndMessageOnly() {
        ChunkResponse message = ChunkResponse.newBuilder().setLength(7).build();

        ByteBuf wire = encode(Frame.of(FrameType.CHUNK_RESPONSE, 9, message));

        assertEquals(Frame.HEADER_BYTES + 4 + message.getSerializedSize(), wire.readableBytes());
        assertEquals(Frame.MAGIC, wire.getInt(0));
        assertEquals(FrameType.CHUNK_RESPONSE.code(), wire.getByte(5));
        assertEquals(9, wire.getLong(7));
        assertEquals(4 + message.getSerializedSize(), wire.getInt(15));
        assertEquals(message.getSerializedSize(), wire.getInt(19));
        wire.release();
    }

    @Test
    void encode_frameWithData_doesNotCopyIt() {
        ByteBuf data = Unpooled.directBuffer(1024).writeZero(1024);

        ByteBuf wire = encode(new Frame(FrameType.CHUNK_REQUEST, 1, new byte[0], data));

        assertEquals(1, data.refCnt(), "the written buffer holds the data itself, not a copy");
        data.setByte(0, 42); // visible through the written buffer only if it was not copied
        assertEquals(42, wire.getByte(Frame.HEADER_BYTES + 4));
        wire.release();
        assertEquals(0, data.refCnt());
    }

    @Test
    void encode_frameWithEmptyData_releasesTheData() {
        ByteBuf empty = Unpooled.buffer(16);

        ByteBuf wire = encode(new Frame(FrameType.META_RESPONSE, 1, new byte[] {1}, empty));

        assertEquals(0, empty.refCnt());
        assertEquals(Frame.HEADER_BYTES + 4 + 1, wire.readableBytes());
        wire.release();
    }

    @Test
    void encode_anythingButAFrame_passesThroughUntouched() {
        EmbeddedChannel channel = new EmbeddedChannel(FrameEncoder.INSTANCE);
        ByteBuf raw = Unpooled.wrappedBuffer(new byte[] {1, 2, 3});

        assertTrue(channel.writeOutbound(raw));

        ByteBuf out = channel.readOutbound();
        assertSame(raw, out);
        out.release();
        assertFalse(channel.finish());
    }

    @Test
    void encode_isSharedByManyChannels() {
        EmbeddedChannel first = new EmbeddedChannel(FrameEncoder.INSTANCE);
        EmbeddedChannel second = new EmbeddedChannel(FrameEncoder.INSTANCE);

        first.writeOutbound(new Frame(FrameType.META_REQUEST, 1, new byte[0], Unpooled.EMPTY_BUFFER));
        second.writeOutbound(new Frame(FrameType.META_REQUEST, 2, new byte[0], Unpooled.EMPTY_BUFFER));

        ByteBuf a = first.readOutbound();
        ByteBuf b = second.readOutbound();
        assertEquals(1, a.getLong(7));
        assertEquals(2, b.getLong(7));
        a.release();
        b.release();
        assertFalse(first.finish());
        assertFalse(second.finish());
    }

    private static ByteBuf encode(Frame frame) {
        EmbeddedChannel channel = new EmbeddedChannel(FrameEncoder.INSTANCE);
        assertTrue(channel.writeOutbound(frame));
        ByteBuf wire = channel.readOutbound();
        assertNull(channel.readOutbound());
        assertFalse(channel.finish());
        return wire;
    }
}
