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
 *
 * <p>Data of {@link BufferPool#MIN_POOLED_BYTES} or more (chunk reads and writes) is copied into a
 * buffer of the {@link BufferPool} as it arrives, once its header and message are in. Gathered
 * whole in the decoder's own buffer instead, every such frame made Netty grow that buffer by
 * reallocation, and then allocate a new one, as the frame's data kept the old one in use.
 */
public final class FrameDecoder extends ByteToMessageDecoder {
    /** Default bound on one frame: a chunk write of up to 8 MiB plus its header. */
    public static final int DEFAULT_MAX_FRAME_BYTES = 9 * 1024 * 1024;

    private final int maxFrameBytes;
    private final BufferPool pool;
    /** After one bad header the rest of the stream is noise: drop it until the channel closes. */
    private boolean refused;
    /** A frame whose large data is still arriving, with the data so far; null between such frames. */
    private Frame arriving;
    private int arrivingBytes;

    public FrameDecoder(int maxFrameBytes) {
        this(maxFrameBytes, BufferPool.SHARED);
    }

    FrameDecoder(int maxFrameBytes, BufferPool pool) {
        this.maxFrameBytes = maxFrameBytes;
        this.pool = pool;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (refused) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (arriving != null) {
            receive(in, out);
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
        int readable = in.readableBytes();
        boolean whole = readable >= Frame.HEADER_BYTES + bodyLength;
        // A frame with large data goes on once its header and message are in (see the class comment).
        if (!whole && (bodyLength < BufferPool.MIN_POOLED_BYTES || readable < Frame.HEADER_BYTES + 4)) {
            return;
        }
        int messageLength = in.getInt(start + Frame.HEADER_BYTES);
        if (messageLength < 0 || messageLength > bodyLength - 4) {
            throw refuse(in, new CorruptedFrameException("message length " + messageLength + " exceeds body " + bodyLength));
        }
        int dataLength = (int) bodyLength - 4 - messageLength;
        boolean pooled = dataLength >= BufferPool.MIN_POOLED_BYTES;
        if (!whole && (!pooled || readable < Frame.HEADER_BYTES + 4 + messageLength)) {
            return;
        }
        in.skipBytes(Frame.HEADER_BYTES + 4);
        byte[] message = new byte[messageLength];
        in.readBytes(message);
        if (pooled) {
            arriving = new Frame(type, requestId, message, pool.take(dataLength));
            arrivingBytes = dataLength;
            receive(in, out);
        } else {
            ByteBuf data = dataLength == 0 ? Unpooled.EMPTY_BUFFER : in.readRetainedSlice(dataLength);
            out.add(new Frame(type, requestId, message, data));
        }
    }

    /** Copies what has come of the arriving frame's data; the frame goes out once it is whole. */
    private void receive(ByteBuf in, List<Object> out) {
        ByteBuf data = arriving.data();
        data.writeBytes(in, Math.min(in.readableBytes(), arrivingBytes - data.writerIndex()));
        if (data.writerIndex() == arrivingBytes) {
            out.add(arriving);
            arriving = null;
        }
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        if (arriving != null) {
            arriving.release(); // the connection ended inside a frame
            arriving = null;
        }
    }

    private DecoderException refuse(ByteBuf in, DecoderException e) {
        refused = true;
        in.skipBytes(in.readableBytes());
        return e;
    }
}
