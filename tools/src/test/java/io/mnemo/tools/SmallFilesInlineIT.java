package io.mnemo.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Files written through the mount up to the inline threshold (64 KiB) live in the metadata
 * service: no data node holds a chunk of theirs. One byte more and the file is in chunks.
 */
class SmallFilesInlineIT {
    @RegisterExtension
    static final MountedCluster cluster = new MountedCluster(3);

    @Test
    void createdAndWrittenThroughTheMount_upTo64KiB_staysInline_andOneByteMoreGoesToChunks() throws Exception {
        Path mnt = cluster.mountPoint();
        for (int size : new int[] {1, 4096, 65536, 65537}) {
            byte[] data = new byte[size];
            new Random(size).nextBytes(data);
            Path file = mnt.resolve("f" + size);
            Files.write(file, data); // open(O_CREAT | O_TRUNC | O_WRONLY), write, close
            assertArrayEquals(data, Files.readAllBytes(file));
            long inode = (Long) Files.getAttribute(file, "unix:ino");
            assertEquals(size > 65536, anyNodeHoldsChunksOf(inode), size + " bytes: held by a data node");
        }
    }

    private static boolean anyNodeHoldsChunksOf(long inode) {
        for (int i = 0; i < 3; i++) {
            Path dir = cluster.stateDir().resolve("data-" + i).resolve("chunks").resolve(String.format("%016x", inode));
            if (Files.isDirectory(dir)) {
                assertTrue(dir.toFile().list().length > 0, dir + " is empty");
                return true;
            }
        }
        return false;
    }
}
