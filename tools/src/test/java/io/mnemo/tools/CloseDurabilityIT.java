package io.mnemo.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mnemo.core.client.FileHandle;
import io.mnemo.core.client.MnemoClient;
import io.mnemo.core.model.Caller;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.model.Name;
import io.mnemo.data.DataNode;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * close(2) returns only once what the file's writer changed is durable: its chunks synced on the
 * data nodes and its length (or inline contents) synced in the metadata log. A flush alone
 * (what other clients need for close-to-open) leaves the chunks unsynced, which shows the check
 * sees the difference.
 */
class CloseDurabilityIT {
    @TempDir
    Path dir;

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void close_syncsChunksAndMetadata_flushAloneDoesNot() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir, 2);
                MnemoClient client = MnemoClient.connect(cluster.clientConfig())) {
            byte[] data = new byte[3 * 1024 * 1024 + 7];
            new Random(42).nextBytes(data);
            InodeId big = client.createFile(InodeId.ROOT, Name.of("big"), 0644, true, Caller.ROOT).inode();
            FileHandle h = client.open(big, MnemoClient.O_RDWR, true, Caller.ROOT);
            client.write(h, 0, data, data.length);
            client.flush(h);
            assertTrue(cluster.dataNodes().stream().anyMatch(n -> n.hasUnsynced(big)), "flush alone left the chunks unsynced");

            client.close(h);
            for (DataNode node : cluster.dataNodes()) {
                assertFalse(node.hasUnsynced(big), "chunks still unsynced on node " + node.nodeId() + " after close");
            }
            assertFalse(cluster.meta().hasUnsyncedAnswers(), "the length is still unsynced in the metadata log after close");

            InodeId small = client.createFile(InodeId.ROOT, Name.of("small"), 0644, true, Caller.ROOT).inode();
            FileHandle s = client.open(small, MnemoClient.O_WRONLY, true, Caller.ROOT);
            client.write(s, 0, new byte[] {1, 2, 3}, 3);
            client.close(s);
            assertFalse(cluster.meta().hasUnsyncedAnswers(), "inline contents still unsynced in the metadata log after close");
            client.release(s);

            // Read last: a read sends its atime update in the background, which nothing syncs.
            assertArrayEquals(data, client.read(h, 0, data.length + 1));
            client.release(h);
        }
    }
}
