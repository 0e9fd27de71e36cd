package io.mnemo.core.net;

import com.google.protobuf.ByteString;
import io.mnemo.core.error.Errno;
import io.mnemo.core.proto.Challenge;
import io.mnemo.core.proto.ChallengeResponse;
import io.mnemo.core.proto.HandshakeResult;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Challenges a new connection and lets requests through only once it has proved the secret. */
final class ServerHandshake extends SimpleChannelInboundHandler<Frame> {
    private static final Logger LOG = LoggerFactory.getLogger(ServerHandshake.class);
    private final ClusterSecret secret;
    private final byte[] nonce = ClusterSecret.nonce();

    ServerHandshake(ClusterSecret secret) {
        super(false);
        this.secret = secret;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        Challenge challenge = Challenge.newBuilder().setNonce(ByteString.copyFrom(nonce)).setVersion(Frame.VERSION).build();
        ctx.writeAndFlush(Frame.of(FrameType.CHALLENGE, 0, challenge));
        ctx.fireChannelActive();
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Frame frame) throws Exception {
        frame.release();
        if (frame.type() == FrameType.CHALLENGE_RESPONSE
                && secret.verify(nonce, frame.parse(ChallengeResponse.parser()).getMac().toByteArray())) {
            ctx.pipeline().remove(this);
            ctx.writeAndFlush(Frame.of(FrameType.HANDSHAKE_RESULT, 0, HandshakeResult.getDefaultInstance()));
            return;
        }
        LOG.warn("refused connection from {}: wrong cluster secret", ctx.channel().remoteAddress());
        HandshakeResult refused = HandshakeResult.newBuilder()
                .setErrno(Errno.EACCES.code()).setMessage("wrong cluster secret").build();
        ctx.writeAndFlush(Frame.of(FrameType.HANDSHAKE_RESULT, 0, refused)).addListener(ChannelFutureListener.CLOSE);
    }
}
