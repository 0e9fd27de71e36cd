package io.mnemo.tools.cmd;

import io.mnemo.core.net.Ports;
import io.mnemo.data.DataConfig;
import io.mnemo.data.DataNode;
import io.mnemo.tools.Addresses;
import io.mnemo.tools.Foreground;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code mnemo data}: one data node as its own process. */
@Command(name = "data", mixinStandardHelpOptions = true,
        description = {"Run a data node.",
                "Stores chunks under DIR and registers with the metadata server.",
                "Stays in the foreground; Ctrl-C or SIGTERM stops it."})
public final class DataCommand implements Callable<Integer> {
    @Option(names = "--dir", required = true, paramLabel = "DIR", description = "Where the node keeps its chunks.")
    Path dir;

    @Option(names = "--host", defaultValue = "127.0.0.1", paramLabel = "HOST",
            description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "0", paramLabel = "PORT",
            description = "Port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Mixin
    ClusterOptions cluster;

    @Option(names = "--capacity", defaultValue = "0", paramLabel = "BYTES",
            description = "Bytes the node may use; 0 for its whole disk (default: ${DEFAULT-VALUE}).")
    long capacityBytes;

    @Override
    public Integer call() throws Exception {
        Foreground foreground = new Foreground();
        if (port != 0) { // before anything is created, so that a taken port leaves no new directory behind
            Ports.requireFree(host, port, "--port");
        }
        DataConfig config = new DataConfig(dir, host, port, cluster.metaAddress(), cluster.secret(), capacityBytes);
        try (DataNode node = DataNode.start(config)) {
            System.out.println("Mnemo data node listening on " + Addresses.show(node.address()));
            foreground.stopAfter("secret-watch", () -> node.refused().join());
            foreground.await();
            if (node.refused().isDone()) {
                throw node.refused().join(); // a wrong secret does not heal by retrying
            }
        }
        return 0;
    }
}
