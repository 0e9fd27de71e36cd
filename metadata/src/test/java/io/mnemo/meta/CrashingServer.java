package io.mnemo.meta;

import io.mnemo.core.model.FileType;
import io.mnemo.core.net.FrameType;
import io.mnemo.core.net.RpcClient;
import io.mnemo.core.proto.MetaRequest;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.core.proto.SyncReq;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.nio.file.Path;

/**
 * Run in a child JVM by {@link MetaServerTest}: starts a metadata server on a directory with the
 * given log, creates directories in the root as root, prints {@code created} once every create is
 * answered (and, with a Raft log, synced), and dies on the spot, closing and flushing nothing.
 *
 * <p>Arguments: directory, {@link MetaConfig.Log} name, name prefix, count.
 */
final class CrashingServer {
    private CrashingServer() {}

    public static void main(String[] args) {
        try {
            createThenCrash(args);
        } catch (Throwable t) {
            t.printStackTrace(System.out);
        } finally {
            System.out.flush();
            Runtime.getRuntime().halt(0); // whatever happened: a test waits for this process to end
        }
    }

    private static void createThenCrash(String[] args) throws Exception {
        MetaConfig config = MetaConfig.defaults(Path.of(args[0]), MetaServerTest.SECRET)
                .withLog(MetaConfig.Log.valueOf(args[1]));
        MetaServer server = MetaServer.start(config);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        RpcClient rpc = new RpcClient(group, server.address(), MetaServerTest.SECRET, 1, 16 << 20, 30_000);
        for (int i = 0; i < Integer.parseInt(args[3]); i++) {
            MetaResponse r = call(rpc, MetaServerTest.createReq(1, args[2] + i, FileType.DIRECTORY).clearCaller().build());
            if (r.getErrno() != 0) {
                throw new IllegalStateException("create failed: " + r.getMessage());
            }
        }
        if (config.log() == MetaConfig.Log.RAFT) {
            // A Raft log answers before its entries reach even the OS, so a crash may lose the last
            // answers nobody synced (documented); this run is about replaying what the log holds.
            call(rpc, MetaRequest.newBuilder().setSync(SyncReq.getDefaultInstance()).build());
        }
        System.out.println("created");
    }

    private static MetaResponse call(RpcClient rpc, MetaRequest request) {
        return rpc.call(FrameType.META_REQUEST, request).thenApply(frame -> {
            try {
                return frame.parse(MetaResponse.parser());
            } catch (io.mnemo.core.error.FsException e) {
                throw new IllegalStateException(e);
            } finally {
                frame.release();
            }
        }).join();
    }
}
