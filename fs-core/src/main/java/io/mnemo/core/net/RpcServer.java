package io.mnemo.core.net;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.Closeable;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Netty server for one request type. Each connection is challenged for the cluster secret,
 * then its requests are handed to the {@link RequestHandler} on a bounded executor and the
 * replies written back with the request's id (pipelined: many requests may be in flight).
 * Clients in this JVM may skip the socket and call the handler on that executor ({@link Endpoint}).
 */
public final class RpcServer implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(RpcServer.class);

    private final EventLoopGroup group;
    private final ExecutorService executor;
    private final Channel serverChannel;
    private final InProcess.Handle inProcess;

    private RpcServer(EventLoopGroup group, ExecutorService executor, Channel serverChannel, InProcess.Handle inProcess) {
        this.group = group;
        this.executor = executor;
        this.serverChannel = serverChannel;
        this.inProcess = inProcess;
    }

    /**
     * How a client in this JVM reaches a server ({@link InProcess}): its handler, called on its
     * executor as for a request from the network, without the socket, the codec and the event loops.
     */
    record Endpoint(FrameType requestType, RequestHandler handler, ExecutorService executor) {}

    /**
     * Binds and starts serving.
     *
     * @param address where to listen; port 0 picks a free one (see {@link #address()})
     * @param threads how many requests are handled at once
     */
    public static RpcServer start(String name, InetSocketAddress address, ClusterSecret secret, FrameType requestType,
            RequestHandler handler, int threads, int maxFrameBytes) throws FsException, InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        ExecutorService executor = Executors.newFixedThreadPool(threads,
                Thread.ofPlatform().name(name + "-handler-", 0).daemon().factory());
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline()
                                .addLast("decoder", new FrameDecoder(maxFrameBytes))
                                .addLast("encoder", FrameEncoder.INSTANCE)
                                .addLast("handshake", new ServerHandshake(secret))
                                .addLast("requests", new Dispatch(requestType, handler, executor));
                    }
                });
        try {
            Channel channel = bootstrap.bind(address).sync().channel();
            InProcess.Handle inProcess = InProcess.register((InetSocketAddress) channel.localAddress(), Endpoint.class,
                    secret, new Endpoint(requestType, handler, executor));
            return new RpcServer(group, executor, channel, inProcess);
        } catch (Exception e) { // bind() throws BindException undeclared
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            executor.shutdownNow();
            if (e instanceof InterruptedException ie) {
                throw ie;
            }
            throw new FsException(Errno.EIO, "cannot listen on " + address + ": " + e.getMessage(), e);
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) serverChannel.localAddress();
    }

    @Override
    public void close() {
        inProcess.close();
        serverChannel.close().awaitUninterruptibly();
        // Let requests already being served finish their disk I/O rather than interrupting it.
        executor.shutdown();
        try {
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        executor.shutdownNow();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    private static final class Dispatch extends SimpleChannelInboundHandler<Frame> {
        private final FrameType requestType;
        private final RequestHandler handler;
        private final ExecutorService executor;

        Dispatch(FrameType requestType, RequestHandler handler, ExecutorService executor) {
            super(false);
            this.requestType = requestType;
            this.handler = handler;
            this.executor = executor;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Frame request) {
            if (request.type() != requestType) {
                request.release();
                LOG.warn("closing {}: unexpected {} frame", ctx.channel().remoteAddress(), request.type());
                ctx.close();
                return;
            }
            try {
                executor.execute(() -> handler.handle(request).whenComplete((reply, error) -> {
                    if (error != null) {
                        LOG.error("handler failed on a {} from {}; closing the connection",
                                requestType, ctx.channel().remoteAddress(), error);
                        ctx.close();
                    } else {
                        ctx.writeAndFlush(Frame.of(requestType.response(), request.requestId(), reply.message(),
                                reply.data()));
                    }
                }));
            } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
                request.release();
                ctx.close();
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.warn("closing connection from {}: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }
}
