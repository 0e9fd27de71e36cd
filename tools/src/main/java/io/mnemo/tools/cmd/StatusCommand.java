package io.mnemo.tools.cmd;

import io.mnemo.core.client.ClientConfig;
import io.mnemo.core.client.DataNodeInfo;
import io.mnemo.core.client.FsStats;
import io.mnemo.core.client.MnemoClient;
import io.mnemo.core.net.ClusterSecret;
import io.mnemo.tools.Addresses;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mnemo status}: the cluster's data nodes, capacity and use. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show a cluster's data nodes, capacity and use.")
public final class StatusCommand implements Callable<Integer> {
    @Option(names = "--meta", defaultValue = "127.0.0.1:7700", paramLabel = "HOST:PORT",
            description = "The metadata server (default: ${DEFAULT-VALUE}).")
    String meta;

    @Option(names = "--secret-file", required = true, paramLabel = "FILE",
            description = "The cluster secret (the metadata server's DIR/cluster.secret).")
    Path secretFile;

    @Override
    public Integer call() throws Exception {
        ClientConfig config = ClientConfig.defaults(Addresses.parse("--meta", meta), ClusterSecret.load(secretFile));
        try (MnemoClient client = MnemoClient.connect(config)) {
            FsStats stats = client.statfs();
            System.out.printf("metadata %s: %d inodes, %s used of %s%n", meta, stats.inodes(),
                    human(stats.usedBytes()), human(stats.capacityBytes()));
            for (DataNodeInfo n : client.dataNodes()) {
                System.out.printf("data node %d %s %s used %s of %s%n", n.nodeId(), n.address(),
                        n.alive() ? "alive" : "DOWN", human(n.usedBytes()), human(n.capacityBytes()));
            }
        }
        return 0;
    }

    static String human(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? bytes + " B" : String.format("%.1f %s", v, units[u]);
    }
}
