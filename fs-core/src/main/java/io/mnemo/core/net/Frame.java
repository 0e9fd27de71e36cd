package io.mnemo.core.net;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * One message on the wire: a protobuf control message and, after it, raw bulk bytes.
 *
 * <p>Wire format (all integers big-endian): a 19-byte header of magic {@code "MNMO"}, version
 * byte, type byte, flags byte, u64 request id and u32 body length; then the body: u32 message
 * length, the protobuf message, and the raw data. Whoever holds a frame releases its data.
 */
public record Frame(FrameType type, long requestId, byte[] message, ByteBuf data) {
    public static final int MAGIC = 0x4D4E4D4F;
    public static final byte VERSION = 1;
    public static final int HEADER_BYTES = 19;

    public static Frame of(FrameType type, long requestId, MessageLite message) {
        return new Frame(type, requestId, message.toByteArray(), Unpooled.EMPTY_BUFFER);
    }

    public static Frame of(FrameType type, long requestId, MessageLite message, ByteBuf data) {
        return new Frame(type, requestId, message.toByteArray(), data);
    }

    /**
     * The message, whose bytes fields are views of {@link #message} rather than copies (a small
     * file's contents arrive in one): nothing writes into a frame's message array once it is made.
     */
    public <T> T parse(Parser<T> parser) throws FsException {
        CodedInputStream in = CodedInputStream.newInstance(message);
        in.enableAliasing(true);
        try {
            return parser.parseFrom(in);
        } catch (InvalidProtocolBufferException e) {
            throw new FsException(Errno.EPROTO, "malformed " + type + " message", e);
        }
    }

    public void release() {
        data.release();
    }
}
