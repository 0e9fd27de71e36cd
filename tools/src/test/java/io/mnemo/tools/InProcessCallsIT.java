package io.mnemo.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mnemo.core.client.ClientConfig;
import io.mnemo.core.client.MnemoClient;
import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.Caller;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.model.Name;
import io.mnemo.core.net.ClusterSecret;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Clients in the metadata server's JVM call it directly; the secret still decides who may. */
class InProcessCallsIT {
    @TempDir
    Path dir;

    @Test
    void directAndNetworkClients_seeOneNamespace() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir, 1);
                MnemoClient direct = MnemoClient.connect(cluster.clientConfig());
                MnemoClient network = MnemoClient.connect(cluster.clientConfig().overNetwork())) {
            InodeId made = direct.mkdir(InodeId.ROOT, Name.of("made-directly"), 0755, Caller.ROOT).inode();
            assertEquals(made, network.lookup(InodeId.ROOT, Name.of("made-directly")).inode());
            network.rmdir(InodeId.ROOT, Name.of("made-directly"), Caller.ROOT);
            FsException gone = assertThrows(FsException.class,
                    () -> direct.lookup(InodeId.ROOT, Name.of("made-directly")));
            assertEquals(Errno.ENOENT, gone.errno());
        }
    }

    @Test
    void aWrongSecret_isRefusedInProcessAsOverTheNetwork() throws Exception {
        try (LocalCluster cluster = LocalCluster.start(dir, 1)) {
            ClientConfig right = cluster.clientConfig();
            ClientConfig wrong = ClientConfig.defaults(right.metaAddress(), ClusterSecret.of("not-the-secret"));
            assertEquals(Errno.EACCES, assertThrows(FsException.class, () -> MnemoClient.connect(wrong)).errno());
            assertEquals(Errno.EACCES,
                    assertThrows(FsException.class, () -> MnemoClient.connect(wrong.overNetwork())).errno());
        }
    }
}
