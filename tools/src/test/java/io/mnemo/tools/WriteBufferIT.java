package io.mnemo.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.mnemo.core.client.ClientConfig;
import io.mnemo.core.client.FileHandle;
import io.mnemo.core.client.MnemoClient;
import io.mnemo.core.model.Attributes;
import io.mnemo.core.model.Caller;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.model.Name;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client's write buffer is bounded: 64 writers on a client allowed to buffer only four
 * extents all finish, with the right bytes, even when each leaves a half-filled extent idle
 * while the others write (the case that would deadlock if idle buffers were never pushed out).
 */
class WriteBufferIT {
    private static final int WRITERS = 64;
    private static final int FILE_BYTES = 6 * 1024 * 1024 + 12_345;

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void sixtyFourWriters_shareASmallBound_andAllFinish() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir, 3)) {
            ClientConfig defaults = cluster.clientConfig();
            ClientConfig small = new ClientConfig(defaults.metaAddress(), defaults.secret(), defaults.rpcTimeoutMillis(),
                    defaults.connectionsPerPeer(), 16L * 1024 * 1024, 4 * 1024 * 1024, true);
            ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
            try (MnemoClient client = MnemoClient.connect(small)) {
                CyclicBarrier halfway = new CyclicBarrier(WRITERS);
                List<Future<byte[]>> writers = new ArrayList<>();
                List<InodeId> inodes = new ArrayList<>();
                for (int w = 0; w < WRITERS; w++) {
                    Attributes a = client.createFile(InodeId.ROOT, Name.of("w-" + w), 0644, true, Caller.ROOT);
                    inodes.add(a.inode());
                    int seed = w;
                    writers.add(pool.submit(() -> {
                        byte[] data = new byte[FILE_BYTES];
                        new Random(seed).nextBytes(data);
                        FileHandle h = client.open(a.inode(), MnemoClient.O_WRONLY, true, Caller.ROOT);
                        int step = 100_000;
                        for (int off = 0; off < data.length; off += step) {
                            client.write(h, off, java.util.Arrays.copyOfRange(data, off, Math.min(data.length, off + step)),
                                    Math.min(step, data.length - off));
                            if (off == 0) {
                                halfway.await(); // everyone now holds a small, idle extent
                            }
                        }
                        client.release(h);
                        return data;
                    }));
                }
                for (int w = 0; w < WRITERS; w++) {
                    byte[] expected = writers.get(w).get();
                    FileHandle h = client.open(inodes.get(w), MnemoClient.O_RDONLY, false, Caller.ROOT);
                    byte[] back = new byte[FILE_BYTES];
                    for (int off = 0; off < FILE_BYTES; off += 1 << 20) {
                        byte[] part = client.read(h, off, Math.min(1 << 20, FILE_BYTES - off));
                        System.arraycopy(part, 0, back, off, part.length);
                    }
                    client.release(h);
                    assertArrayEquals(expected, back, "file w-" + w);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
