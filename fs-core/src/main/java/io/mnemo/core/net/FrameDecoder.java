package io.mnemo.core.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import java.util.List;

/**
 * Cuts the byte stream into {@link Frame}s. A frame whose declared length exceeds the maximum
 * is refused from its header alone, before any buffer for it is allocated.
 */
public final class FrameDecoder extends ByteToMessageDecoder {
    /** Default bound on one frame: a chunk write of up to 8 MiB plus its header. */
    public static final int DEFAULT_MAX_FRAME_BYTES = 9 * 1024 * 1024;

    private final int maxFrameBytes;
    /** After one bad header the rest of the stream is noise: drop it until the channel closes. */
    private boolean refused;

    public FrameDecoder(int maxFrameBytes) {
        this.maxFrameBytes = maxFrameBytes;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (refused) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (in.readableBytes() < Frame.HEADER_BYTES) {
            return;
        }
        int start = in.readerIndex();
        int magic = in.getInt(start);
        byte version = in.getByte(start + 4);
        if (magic != Frame.MAGIC || version != Frame.VERSION) {
            throw refuse(in, new CorruptedFrameException("not a Mnemo frame (magic " + Integer.toHexString(magic)
                    + ", version " + version + ")"));
        }
        FrameType type = FrameType.fromCode(in.getByte(start + 5));
        if (type == null) {
            throw refuse(in, new CorruptedFrameException("unknown frame type " + in.getByte(start + 5)));
        }
        long requestId = in.getLong(start + 7);
        long bodyLength = in.getUnsignedInt(start + 15);
        if (bodyLength > maxFrameBytes) {
            throw refuse(in, new TooLongFrameException("frame body of " + bodyLength + " bytes (limit " + maxFrameBytes + ")"));
        }
        if (bodyLength < 4) {
            throw refuse(in, new CorruptedFrameException("frame body of " + bodyLength + " bytes has no message length"));
        }
        if (in.readableBytes() < Frame.HEADER_BYTES + bodyLength) {
            return;
        }
        in.skipBytes(Frame.HEADER_BYTES);
        int messageLength = in.readInt();
        if (messageLength < 0 || messageLength > bodyLength - 4) {
            throw refuse(in, new CorruptedFrameException("message length " + messageLength + " exceeds body " + bodyLength));
        }
        byte[] message = new byte[messageLength];
        in.readBytes(message);
        int dataLength = (int) bodyLength - 4 - messageLength;
        ByteBuf data = dataLength == 0 ? Unpooled.EMPTY_BUFFER : in.readRetainedSlice(dataLength);
        out.add(new Frame(type, requestId, message, data));
    }

    private DecoderException refuse(ByteBuf in, DecoderException e) {
        refused = true;
        in.skipBytes(in.readableBytes());
        return e;
    }
}
