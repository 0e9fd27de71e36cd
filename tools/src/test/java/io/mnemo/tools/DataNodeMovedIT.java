package io.mnemo.tools;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mnemo.data.DataConfig;
import io.mnemo.data.DataNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A data node that goes away: one that comes back at another address is found by a mount that
 * was up all along, and the writes that could not reach it leave no length of zeros behind. While
 * it is away, reads and writes of its chunks fail with EIO, and once its lease has run out new
 * files are placed on the other nodes.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DataNodeMovedIT {
    @RegisterExtension
    static final MountedCluster cluster = new MountedCluster(3);
    private static DataNode moved;

    @AfterAll
    static void stopTheMovedNode() {
        if (moved != null) {
            moved.close();
        }
    }

    @Test
    @Order(1)
    void aMountReadsFromADataNodeRestartedOnAnotherPort() throws Exception {
        Path file = cluster.mountPoint().resolve("striped.bin");
        byte[] data = new byte[12 * 1024 * 1024]; // a chunk on every node
        new Random(7).nextBytes(data);
        Files.write(file, data);

        DataNode old = cluster.cluster().dataNodes().get(0);
        int id = old.nodeId();
        String oldAddress = old.address().getHostString() + ":" + old.address().getPort();
        old.close();
        Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "1");
        assertInputOutputError(assertThrows(IOException.class, () -> Files.readAllBytes(file),
                "a read from a node that is down"));
        moved = DataNode.start(new DataConfig(cluster.stateDir().resolve("data-0"), "127.0.0.1", 0,
                cluster.cluster().metaAddress(), cluster.cluster().secret(), 0));
        assertNotEquals(old.address().getPort(), moved.address().getPort());
        await().atMost(Duration.ofSeconds(20)).until(() -> cluster.client().dataNodes().stream()
                .anyMatch(n -> n.nodeId() == id && n.alive() && !n.address().equals(oldAddress)));
        await("a read through the mount that was up all along").atMost(Duration.ofSeconds(20))
                .ignoreException(IOException.class).until(() -> {
                    Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "1");
                    assertArrayEquals(data, Files.readAllBytes(file));
                    return true;
                });
    }

    @Test
    @Order(2)
    void aWriteThatCannotReachItsDataNode_failsAndLeavesNoZerosBehind() throws Exception {
        cluster.cluster().dataNodes().get(2).close();
        Path file = cluster.mountPoint().resolve("failed.bin");
        byte[] data = new byte[20 * 1024 * 1024];
        new Random(8).nextBytes(data);
        assertInputOutputError(assertThrows(IOException.class, () -> Files.write(file, data),
                "the write or the close reports it"));
        long size = await("the committed length").atMost(Duration.ofSeconds(20)).until(() -> {
            Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
            return Files.size(file);
        }, s -> s < data.length);
        assertArrayEquals(Arrays.copyOf(data, (int) size), Files.readAllBytes(file),
                "every byte the file has is a byte written, none a zero where a write failed");
    }

    @Test
    @Order(3)
    void newFiles_leaveOutADataNodeWhoseLeaseRanOut() throws Exception {
        int down = cluster.cluster().dataNodes().get(2).nodeId(); // closed by the test before
        await("the node's lease to run out").atMost(Duration.ofSeconds(30)).until(() -> cluster.client().dataNodes()
                .stream().anyMatch(n -> n.nodeId() == down && !n.alive()));
        Path file = cluster.mountPoint().resolve("after.bin");
        byte[] data = new byte[20 * 1024 * 1024];
        new Random(9).nextBytes(data);
        Files.write(file, data);
        Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
        assertArrayEquals(data, Files.readAllBytes(file), "striped over the nodes still up");
    }

    private static void assertInputOutputError(IOException e) {
        assertTrue(String.valueOf(e.getMessage()).contains("Input/output error"), "EIO, not a network errno: " + e);
    }
}
