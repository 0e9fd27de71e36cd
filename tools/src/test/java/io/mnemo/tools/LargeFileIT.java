package io.mnemo.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A 100 MiB random file written with dd through the mount, read back intact and striped. */
class LargeFileIT {
    @RegisterExtension
    static final MountedCluster cluster = new MountedCluster(3);

    @Test
    void dd_100MiB_readsBackWithSameSha256_andIsStripedOverThreeNodes() throws Exception {
        Path scratch = cluster.scratch();
        Path mnt = cluster.mountPoint();
        Shell.run(scratch, "head -c 104857600 /dev/urandom > source.bin");
        String expected = Shell.run(scratch, "sha256sum < source.bin").split(" ")[0];

        Shell.run(mnt, "dd if=" + scratch.resolve("source.bin") + " of=big.bin bs=1M status=none conv=fsync");
        assertEquals(104857600L, Files.size(mnt.resolve("big.bin")));

        // Remount so the read goes through our read path, not the kernel's page cache.
        cluster.stop();
        cluster.start();
        assertEquals(expected, Shell.run(mnt, "dd if=big.bin bs=1M status=none | sha256sum").split(" ")[0]);

        long[] perNode = new long[3];
        for (int i = 0; i < 3; i++) {
            perNode[i] = chunkBytes(cluster.stateDir().resolve("data-" + i));
        }
        long total = perNode[0] + perNode[1] + perNode[2];
        assertEquals(104857600L, total, "chunk bytes over all nodes");
        for (long n : perNode) {
            assertTrue(n > total / 4 && n < total * 5 / 12, "each node holds about a third: " + java.util.Arrays.toString(perNode));
        }
    }

    private static long chunkBytes(Path nodeDir) throws IOException {
        try (Stream<Path> files = Files.walk(nodeDir.resolve("chunks"))) {
            return files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
    }
}
