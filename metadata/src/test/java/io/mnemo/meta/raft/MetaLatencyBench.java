package io.mnemo.meta.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.FileType;
import io.mnemo.core.net.ClusterSecret;
import io.mnemo.core.net.FrameType;
import io.mnemo.core.net.RpcClient;
import io.mnemo.core.proto.Caller;
import io.mnemo.core.proto.CreateReq;
import io.mnemo.core.proto.GetattrReq;
import io.mnemo.core.proto.LookupReq;
import io.mnemo.core.proto.MetaCommand;
import io.mnemo.core.proto.MetaRequest;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.core.proto.RegisterNodeReq;
import io.mnemo.core.proto.UnlinkReq;
import io.mnemo.meta.MetaConfig;
import io.mnemo.meta.MetaServer;
import io.mnemo.meta.store.MetaStore;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Single-caller latency of metadata operations: proposals straight into the Raft peer, and whole
 * requests through the metadata RPC on loopback. A measurement, not a test: it runs only when
 * asked, e.g.
 * {@code mvn -o test -pl metadata -am -Dtest=MetaLatencyBench -Dmnemo.bench=true
 * -Dsurefire.failIfNoSpecifiedTests=false -Dmnemo.test.flags=}
 * (the empty test flags turn Netty's paranoid leak detector off, which costs microseconds per buffer);
 * {@code -Dmnemo.bench.flushDelayMillis=0} measures with the log synced before every answer.
 */
@EnabledIfSystemProperty(named = "mnemo.bench", matches = "true")
class MetaLatencyBench {
    private static final ClusterSecret SECRET = ClusterSecret.of("latency-bench");
    private static final Caller CALLER = Caller.getDefaultInstance(); // root: the owner of the new root directory
    private static final int OPS = Integer.getInteger("mnemo.bench.ops", 20_000);
    private static final Duration FLUSH_DELAY = Duration.ofMillis(Integer.getInteger("mnemo.bench.flushDelayMillis", 5));

    @TempDir
    Path dir;

    @Test
    void propose_oneCaller() throws Exception {
        try (MetaStore store = MetaStore.open(dir.resolve("db"));
                MetaRaft raft = MetaRaft.start(store, new RaftSettings(dir.resolve("raft"), "127.0.0.1", 0,
                        1_000_000, Duration.ofSeconds(30), FLUSH_DELAY))) {
            raft.propose(MetaCommand.newBuilder().setNowNs(1).setNewInode(1)
                    .setCreate(CreateReq.newBuilder().setParent(0).setType(FileType.DIRECTORY.ordinal())
                            .setMode(0755)).build()).get();
            long[] next = {2};
            IntFunction<Runnable> mkdir = i -> () -> {
                long inode = next[0]++;
                MetaResponse r = raft.propose(MetaCommand.newBuilder().setNowNs(inode).setNewInode(inode)
                        .setCreate(CreateReq.newBuilder().setParent(1).setName(ByteString.copyFromUtf8("d" + inode))
                                .setType(FileType.DIRECTORY.ordinal()).setMode(0755)).build()).join();
                assertEquals(0, r.getErrno(), r.getMessage());
            };
            measure("propose mkdir (warm-up)", OPS, mkdir);
            measure("propose mkdir", OPS, mkdir);
            measure("propose mkdir + sync", OPS / 10, i -> () -> {
                mkdir.apply(i).run();
                raft.sync().join();
            });
            measure("propose mkdir", OPS, mkdir);
            long t = System.nanoTime();
            raft.close(); // Ratis first waits for the forces its unsafe flush queued
            System.out.printf("close right after the burst: %.1f ms%n", (System.nanoTime() - t) / 1e6);
        }
    }

    @Test
    void rpc_oneCaller() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try (MetaServer server = MetaServer.start(MetaConfig.defaults(dir, SECRET).withLogFlushDelay(FLUSH_DELAY));
                RpcClient rpc = new RpcClient(group, server.address(), SECRET, 1, 16 << 20, 30_000)) {
            call(rpc, MetaRequest.newBuilder().setRegisterNode(RegisterNodeReq.newBuilder().setHost("127.0.0.1")
                    .setPort(9).setCapacityBytes(1L << 40)));
            for (int round = 0; round < 2; round++) {
                String tag = round == 0 ? " (warm-up)" : "";
                long d = call(rpc, create(1, "dir" + round, FileType.DIRECTORY)).getAttr().getInode();
                long[] inodes = new long[OPS];
                measure("rpc create" + tag, OPS, i -> () -> inodes[i] = call(rpc, create(d, "f" + i, FileType.REGULAR))
                        .getAttr().getInode());
                measure("rpc lookup" + tag, OPS, i -> () -> call(rpc, MetaRequest.newBuilder().setLookup(
                        LookupReq.newBuilder().setParent(d).setName(ByteString.copyFromUtf8("f" + i)))));
                measure("rpc getattr" + tag, OPS, i -> () -> call(rpc, MetaRequest.newBuilder().setGetattr(
                        GetattrReq.newBuilder().setInode(inodes[i]))));
                measure("rpc unlink" + tag, OPS, i -> () -> call(rpc, MetaRequest.newBuilder().setCaller(CALLER)
                        .setUnlink(UnlinkReq.newBuilder().setParent(d).setName(ByteString.copyFromUtf8("f" + i)))));
            }
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        }
    }

    private static MetaRequest.Builder create(long parent, String name, FileType type) {
        return MetaRequest.newBuilder().setCaller(CALLER).setCreate(CreateReq.newBuilder().setParent(parent)
                .setName(ByteString.copyFromUtf8(name)).setType(type.ordinal()).setMode(0644).setExclusive(true));
    }

    private static MetaResponse call(RpcClient rpc, MetaRequest.Builder req) {
        MetaResponse r = rpc.call(FrameType.META_REQUEST, req.build()).thenApply(frame -> {
            try {
                return frame.parse(MetaResponse.parser());
            } catch (FsException e) {
                throw new IllegalStateException(e);
            } finally {
                frame.release();
            }
        }).join();
        assertEquals(0, r.getErrno(), r.getMessage());
        return r;
    }

    /** Runs {@code op(i)} for i in [0, n) one after another and prints the rate and latency percentiles. */
    static void measure(String what, int n, IntFunction<Runnable> op) {
        long[] nanos = new long[n];
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            long t = System.nanoTime();
            op.apply(i).run();
            nanos[i] = System.nanoTime() - t;
        }
        long total = System.nanoTime() - start;
        Arrays.sort(nanos);
        System.out.printf("%-28s %8.0f ops/s  mean %7.1f us  p50 %7.1f us  p90 %7.1f us  p99 %7.1f us  max %8.1f us%n",
                what, n * 1e9 / total, total / 1e3 / n, nanos[n / 2] / 1e3, nanos[n * 9 / 10] / 1e3,
                nanos[n * 99 / 100] / 1e3, nanos[n - 1] / 1e3);
    }
}
