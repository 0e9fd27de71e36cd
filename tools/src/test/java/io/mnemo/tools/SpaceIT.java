package io.mnemo.tools;

import static org.awaitility.Awaitility.await;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Deleting and truncating give the data nodes' space back; a full cluster says ENOSPC and loses nothing. */
class SpaceIT {
    private static final long NODE_CAPACITY = 40L * 1024 * 1024;

    @RegisterExtension
    static final MountedCluster cluster = new MountedCluster(2, NODE_CAPACITY);

    @Test
    void deleteAndTruncate_returnSpace_andAFullClusterSaysEnospc() throws Exception {
        Path mnt = cluster.mountPoint();
        byte[] keep = new byte[6 * 1024 * 1024];
        new Random(9).nextBytes(keep);
        Files.write(mnt.resolve("keep.bin"), keep);
        long base = chunkBytes();

        Shell.run(mnt, "head -c 30000000 /dev/urandom > big.bin");
        assertTrue(chunkBytes() >= base + 30_000_000, "written");
        Shell.run(mnt, "truncate -s 10000000 big.bin");
        assertTrue(chunkBytes() <= base + 10_000_000 + 4 * 1024 * 1024, "truncate gives space back: " + chunkBytes());
        Files.delete(mnt.resolve("big.bin"));
        awaitChunkBytesAtMost(base); // chunks of deleted files go in the background

        // 80 MiB of capacity in all, 6 MiB used: writing 100 MiB must fail with ENOSPC, at write or close.
        IOException full = assertThrows(IOException.class, () -> {
            try (OutputStream out = Files.newOutputStream(mnt.resolve("too-big.bin"))) {
                byte[] block = new byte[1 << 20];
                for (int i = 0; i < 100; i++) {
                    out.write(block);
                }
            }
        });
        assertTrue(String.valueOf(full.getMessage()).contains("No space left on device"), full.toString());
        assertArrayEquals(keep, Files.readAllBytes(mnt.resolve("keep.bin")), "what was written before is intact");
        Files.deleteIfExists(mnt.resolve("too-big.bin"));
        awaitChunkBytesAtMost(base);
        Files.write(mnt.resolve("after.bin"), keep);
        assertArrayEquals(keep, Files.readAllBytes(mnt.resolve("after.bin")), "space is usable again");
    }

    private static void awaitChunkBytesAtMost(long bytes) {
        await("chunk bytes at most " + bytes).atMost(Duration.ofSeconds(30)).until(() -> chunkBytes() <= bytes);
    }

    /** Bytes in all chunk files; counted again if the collector deleted something mid-walk. */
    private static long chunkBytes() throws IOException {
        while (true) {
            try {
                long total = 0;
                for (int i = 0; i < 2; i++) {
                    try (Stream<Path> files = Files.walk(cluster.stateDir().resolve("data-" + i + "/chunks"))) {
                        total += files.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
                    }
                }
                return total;
            } catch (java.io.UncheckedIOException | java.nio.file.NoSuchFileException deletedMeanwhile) {
                // walk again
            }
        }
    }
}
