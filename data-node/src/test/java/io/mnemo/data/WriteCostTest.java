package io.mnemo.data;

import io.mnemo.core.model.ChunkId;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.net.ClusterSecret;
import io.mnemo.core.net.Frame;
import io.mnemo.core.net.FrameDecoder;
import io.mnemo.core.net.FrameType;
import io.mnemo.core.net.RpcClient;
import io.mnemo.core.proto.ChunkRequest;
import io.mnemo.core.proto.ChunkResponse;
import io.mnemo.core.proto.DeleteChunksReq;
import io.mnemo.core.proto.SyncChunksReq;
import io.mnemo.core.proto.WriteChunkReq;
import io.mnemo.data.store.FileChunkStore;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.ResourceLeakDetector;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a 1 MiB chunk write costs, through the store and through the RPC: prints, asserts nothing
 * (timings on a shared machine are too noisy to gate a build on). Compare runs of this test
 * before and after a change to the write path. Netty's leak detector is off while it runs: at
 * the PARANOID level the tests use, it costs more than the disk.
 */
class WriteCostTest {
    private static final int MIB = 1024 * 1024;
    private static final int CHUNK_BYTES = 4 * MIB;
    private static final int WRITES_PER_ROUND = 64;
    private static final int ROUNDS = 7;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static ResourceLeakDetector.Level leakLevel;

    @TempDir
    Path dir;

    @BeforeAll
    static void quietLeakDetector() {
        leakLevel = ResourceLeakDetector.getLevel();
        ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
    }

    @AfterAll
    static void restoreLeakDetector() {
        ResourceLeakDetector.setLevel(leakLevel);
    }

    /**
     * Each round writes 64 MiB in 1 MiB writes twice, in alternating order: through the store, and
     * straight into files with positional writes (what the store did before it kept checksums), so
     * that the load of a shared machine hits both alike. The ratio is the store's overhead.
     */
    @Test
    void oneMiBWrites_throughTheStore_againstPlainFileWrites() throws Exception {
        ByteBuf data = PooledByteBufAllocator.DEFAULT.directBuffer(MIB);
        byte[] random = new byte[MIB];
        new Random(1).nextBytes(random);
        data.writeBytes(random);
        Path plainDir = Files.createDirectories(dir.resolve("plain"));
        try (FileChunkStore store = FileChunkStore.open(dir.resolve("store"), 0)) {
            long[] storeNanos = new long[ROUNDS];
            long[] plainNanos = new long[ROUNDS];
            long[] storeCpuNanos = new long[ROUNDS];
            long[] plainCpuNanos = new long[ROUNDS];
            double[] ratios = new double[ROUNDS];
            for (int round = 0; round < ROUNDS; round++) {
                InodeId inode = new InodeId(100 + round);
                for (int order = 0; order < 2; order++) {
                    long cpu = THREADS.getCurrentThreadCpuTime();
                    if ((round + order) % 2 == 0) {
                        storeNanos[round] = storeWrites(store, inode, data);
                        storeCpuNanos[round] = (THREADS.getCurrentThreadCpuTime() - cpu) / WRITES_PER_ROUND;
                    } else {
                        plainNanos[round] = plainWrites(plainDir, data);
                        plainCpuNanos[round] = (THREADS.getCurrentThreadCpuTime() - cpu) / WRITES_PER_ROUND;
                    }
                }
                ratios[round] = (double) storeNanos[round] / plainNanos[round];
                long syncStart = System.nanoTime();
                store.sync(inode);
                long syncMicros = (System.nanoTime() - syncStart) / 1000;
                long readStart = System.nanoTime();
                for (int i = 0; i < WRITES_PER_ROUND; i++) {
                    long offset = (long) i * MIB;
                    store.read(new ChunkId(inode, offset / CHUNK_BYTES), offset % CHUNK_BYTES, MIB).release();
                }
                long perRead = (System.nanoTime() - readStart) / WRITES_PER_ROUND;
                System.out.printf("store round %d: 1 MiB write %d us, %d us CPU (plain file write %d us, %d us CPU),"
                        + " 1 MiB read %d us, sync of 64 MiB %d us%n", round, storeNanos[round] / 1000,
                        storeCpuNanos[round] / 1000, plainNanos[round] / 1000, plainCpuNanos[round] / 1000,
                        perRead / 1000, syncMicros);
                store.deleteChunks(inode);
            }
            Arrays.sort(storeNanos);
            Arrays.sort(plainNanos);
            Arrays.sort(storeCpuNanos);
            Arrays.sort(plainCpuNanos);
            Arrays.sort(ratios);
            System.out.printf("store: 1 MiB write: min %d us, median %d us, median CPU %d us; plain file write: min %d us,"
                    + " median %d us, median CPU %d us; store/plain wall time, median of rounds x%.2f%n",
                    storeNanos[0] / 1000, storeNanos[ROUNDS / 2] / 1000, storeCpuNanos[ROUNDS / 2] / 1000,
                    plainNanos[0] / 1000, plainNanos[ROUNDS / 2] / 1000, plainCpuNanos[ROUNDS / 2] / 1000,
                    ratios[ROUNDS / 2]);
        } finally {
            data.release();
        }
    }

    /** Nanoseconds per 1 MiB write through the store, into 4 MiB chunks of a new inode. */
    private static long storeWrites(FileChunkStore store, InodeId inode, ByteBuf data) throws Exception {
        long start = System.nanoTime();
        for (int i = 0; i < WRITES_PER_ROUND; i++) {
            long offset = (long) i * MIB;
            store.write(new ChunkId(inode, offset / CHUNK_BYTES), offset % CHUNK_BYTES, data);
        }
        return (System.nanoTime() - start) / WRITES_PER_ROUND;
    }

    /** Nanoseconds per 1 MiB positional write into new 4 MiB files, then removed. */
    private static long plainWrites(Path plainDir, ByteBuf data) throws Exception {
        List<Path> files = new ArrayList<>();
        FileChannel channel = null;
        long start = System.nanoTime();
        for (int i = 0; i < WRITES_PER_ROUND; i++) {
            long offset = (long) i * MIB;
            if (offset % CHUNK_BYTES == 0) {
                if (channel != null) {
                    channel.close();
                }
                Path file = plainDir.resolve(Long.toString(offset / CHUNK_BYTES));
                files.add(file);
                channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                        StandardOpenOption.WRITE);
            }
            ByteBuffer buffer = data.nioBuffer();
            long at = offset % CHUNK_BYTES;
            while (buffer.hasRemaining()) {
                at += channel.write(buffer, at);
            }
        }
        long nanos = (System.nanoTime() - start) / WRITES_PER_ROUND;
        channel.force(false);
        channel.close();
        for (Path file : files) {
            Files.delete(file);
        }
        return nanos;
    }

    @Test
    void oneMiBWrites_overTheRpc_eightInFlight() throws Exception {
        ClusterSecret secret = ClusterSecret.of("write-cost");
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        byte[] random = new byte[MIB];
        new Random(2).nextBytes(random);
        try (DataNode node = DataNode.start(DataConfig.loopback(dir.resolve("node"), secret));
                RpcClient client = new RpcClient(group, node.address(), secret, 2,
                        FrameDecoder.DEFAULT_MAX_FRAME_BYTES, 30_000)) {
            long[] perWrite = new long[ROUNDS];
            for (int round = 0; round < ROUNDS; round++) {
                long inode = 200 + round;
                ArrayDeque<CompletableFuture<Frame>> inFlight = new ArrayDeque<>();
                long start = System.nanoTime();
                for (int i = 0; i < WRITES_PER_ROUND; i++) {
                    if (inFlight.size() == 8) {
                        check(inFlight.poll());
                    }
                    long offset = (long) i * MIB;
                    inFlight.add(client.call(FrameType.CHUNK_REQUEST, ChunkRequest.newBuilder()
                            .setWrite(WriteChunkReq.newBuilder().setInode(inode).setIndex(offset / CHUNK_BYTES)
                                    .setOffset(offset % CHUNK_BYTES).setLength(MIB))
                            .build(), Unpooled.wrappedBuffer(random)));
                }
                while (!inFlight.isEmpty()) {
                    check(inFlight.poll());
                }
                perWrite[round] = (System.nanoTime() - start) / WRITES_PER_ROUND;
                System.out.printf("rpc round %d: 1 MiB write %d us (%.0f MiB/s)%n", round, perWrite[round] / 1000,
                        1e9 / perWrite[round]);
                check(client.call(FrameType.CHUNK_REQUEST, ChunkRequest.newBuilder()
                        .setSync(SyncChunksReq.newBuilder().setInode(inode)).build()));
                check(client.call(FrameType.CHUNK_REQUEST, ChunkRequest.newBuilder()
                        .setDelete(DeleteChunksReq.newBuilder().addInodes(inode)).build()));
            }
            Arrays.sort(perWrite);
            System.out.printf("rpc: 1 MiB write: min %d us, median %d us%n", perWrite[0] / 1000,
                    perWrite[ROUNDS / 2] / 1000);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly();
        }
    }

    private static void check(CompletableFuture<Frame> reply) throws Exception {
        Frame frame = reply.get(30, TimeUnit.SECONDS);
        try {
            ChunkResponse response = frame.parse(ChunkResponse.parser());
            if (response.getErrno() != 0) {
                throw new AssertionError(response.getMessage());
            }
        } finally {
            frame.release();
        }
    }
}
