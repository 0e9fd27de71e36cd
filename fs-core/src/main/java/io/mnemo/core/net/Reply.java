package io.mnemo.core.net;

import com.google.protobuf.MessageLite;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/** What a request handler answers: a message and, for reads, raw data that follows it. */
public record Reply(MessageLite message, ByteBuf data) {
    public static Reply of(MessageLite message) {
        return new Reply(message, Unpooled.EMPTY_BUFFER);
    }
}
