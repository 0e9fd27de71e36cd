package io.mnemo.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Stopping and starting the embedded cluster on the same directory keeps every file, byte for byte. */
class RestartIT {
    @RegisterExtension
    static final MountedCluster cluster = new MountedCluster(3);

    @Test
    void stopAndStart_keepsEveryFile() throws Exception {
        Random random = new Random(1);
        Map<String, byte[]> written = new TreeMap<>();
        Path mnt = cluster.mountPoint();
        for (int d = 0; d < 5; d++) {
            Files.createDirectories(mnt.resolve("dir-" + d + "/nested"));
            for (int f = 0; f < 40; f++) {
                byte[] data = new byte[random.nextInt(3) == 0 ? random.nextInt(9 * 1024 * 1024) : random.nextInt(70_000)];
                random.nextBytes(data);
                String name = "dir-" + d + (f % 2 == 0 ? "/nested" : "") + "/file-" + f;
                Files.write(mnt.resolve(name), data);
                written.put(name, data);
            }
        }
        Files.createSymbolicLink(mnt.resolve("link"), Path.of("dir-0/file-1"));

        for (int round = 0; round < 2; round++) {
            cluster.stop();
            cluster.start();
            Map<String, byte[]> found = new TreeMap<>();
            try (Stream<Path> files = Files.walk(mnt)) {
                for (Path p : files.filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)).toList()) {
                    found.put(mnt.relativize(p).toString(), Files.readAllBytes(p));
                }
            }
            assertEquals(written.keySet(), found.keySet());
            for (String name : written.keySet()) {
                assertArrayEquals(written.get(name), found.get(name), name);
            }
            assertEquals("dir-0/file-1", Files.readSymbolicLink(mnt.resolve("link")).toString());
        }
    }
}
