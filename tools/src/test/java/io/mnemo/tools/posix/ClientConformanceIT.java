package io.mnemo.tools.posix;

import io.mnemo.core.client.MnemoClient;
import io.mnemo.tools.LocalCluster;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The POSIX conformance suite through {@link MnemoClient} on an in-process cluster, over the
 * network: the mount's run of the suite covers the direct in-process calls.
 */
class ClientConformanceIT extends PosixConformance {
    @TempDir
    static Path dir;
    private static LocalCluster cluster;
    private static MnemoClient client;
    private static ClientOps ops;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = LocalCluster.start(dir.resolve("state"), 3);
        client = MnemoClient.connect(cluster.clientConfig().overNetwork());
        ops = new ClientOps(client);
    }

    @AfterAll
    static void stopCluster() {
        if (client != null) {
            client.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Override
    protected PosixOps ops() {
        return ops;
    }

    @Override
    protected Path clusterDir() {
        return dir.resolve("state");
    }
}
