package io.mnemo.tools.cmd;

import io.mnemo.core.client.DataNodeInfo;
import io.mnemo.core.client.FsStats;
import io.mnemo.core.client.MnemoClient;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code mnemo status}: the cluster's data nodes, capacity and use. */
@Command(name = "status", mixinStandardHelpOptions = true,
        description = "Show a cluster's data nodes, capacity and use.")
public final class StatusCommand implements Callable<Integer> {
    @Mixin
    ClusterOptions cluster;

    @Override
    public Integer call() throws Exception {
        try (MnemoClient client = MnemoClient.connect(cluster.clientConfig())) {
            FsStats stats = client.statfs();
            System.out.printf("metadata %s: %d inodes, %s used of %s%n", cluster.meta, stats.inodes(),
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
