package io.mnemo.tools;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.mnemo.data.DataConfig;
import io.mnemo.data.DataNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A data node that comes back at another address is found by a mount that was up all along. */
class DataNodeMovedIT {
    @RegisterExtension
    static final MountedCluster cluster = new MountedCluster(3);

    @Test
    void aMountReadsFromADataNodeRestartedOnAnotherPort() throws Exception {
        Path file = cluster.mountPoint().resolve("striped.bin");
        byte[] data = new byte[12 * 1024 * 1024]; // a chunk on every node
        new Random(7).nextBytes(data);
        Files.write(file, data);

        DataNode old = cluster.cluster().dataNodes().get(0);
        int id = old.nodeId();
        String oldAddress = old.address().getHostString() + ":" + old.address().getPort();
        old.close();
        DataNode moved = DataNode.start(new DataConfig(cluster.stateDir().resolve("data-0"), "127.0.0.1", 0,
                cluster.cluster().metaAddress(), cluster.cluster().secret(), 0));
        try {
            assertNotEquals(old.address().getPort(), moved.address().getPort());
            await().atMost(Duration.ofSeconds(20)).until(() -> cluster.client().dataNodes().stream()
                    .anyMatch(n -> n.nodeId() == id && n.alive() && !n.address().equals(oldAddress)));
            await("a read through the mount that was up all along").atMost(Duration.ofSeconds(20))
                    .ignoreException(IOException.class).until(() -> {
                        Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "1");
                        assertArrayEquals(data, Files.readAllBytes(file));
                        return true;
                    });
        } finally {
            moved.close();
        }
    }
}
