package io.mnemo.core.net;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;

/** Writes {@link Frame}s: header and message in one small buffer, the data as it is, never copied. */
@ChannelHandler.Sharable
public final class FrameEncoder extends ChannelOutboundHandlerAdapter {
    public static final FrameEncoder INSTANCE = new FrameEncoder();

    private FrameEncoder() {}

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof Frame frame)) {
            ctx.write(msg, promise);
            return;
        }
        byte[] message = frame.message();
        ByteBuf head = ctx.alloc().buffer(Frame.HEADER_BYTES + 4 + message.length);
        head.writeInt(Frame.MAGIC)
                .writeByte(Frame.VERSION)
                .writeByte(frame.type().code())
                .writeByte(0)
                .writeLong(frame.requestId())
                .writeInt(4 + message.length + frame.data().readableBytes())
                .writeInt(message.length)
                .writeBytes(message);
        if (frame.data().isReadable()) {
            ctx.write(Unpooled.wrappedBuffer(head, frame.data()), promise);
        } else {
            frame.data().release();
            ctx.write(head, promise);
        }
    }
}
