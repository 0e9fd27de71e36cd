package io.mnemo.tools.cmd;

import io.mnemo.core.net.ClusterSecret;
import io.mnemo.core.net.Ports;
import io.mnemo.meta.MetaConfig;
import io.mnemo.meta.MetaServer;
import io.mnemo.tools.Addresses;
import io.mnemo.tools.Foreground;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mnemo meta}: the metadata server as its own process. */
@Command(name = "meta", mixinStandardHelpOptions = true,
        description = {"Run a metadata server (namespace and cluster manager).",
                "The namespace lives in RocksDB; every change is logged before it is",
                "answered. Creates the cluster secret at DIR/cluster.secret unless",
                "--secret-file names one. Stays in the foreground; Ctrl-C or SIGTERM",
                "stops it."})
public final class MetaCommand implements Callable<Integer> {
    @Option(names = "--dir", required = true, paramLabel = "DIR", description = "Where the server keeps its state.")
    Path dir;

    @Option(names = "--host", defaultValue = "127.0.0.1", paramLabel = "HOST",
            description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "7700", paramLabel = "PORT",
            description = "Port for clients and data nodes; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--raft-port", defaultValue = "7701", paramLabel = "PORT",
            description = "Port for Raft traffic between metadata servers, with --log raft; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int raftPort;

    @Option(names = "--log", defaultValue = "local", paramLabel = "KIND",
            description = {"Where changes are logged: local (RocksDB's own",
                    "log, for one replica) or raft (an Apache Ratis",
                    "log, which can replicate). A directory last run",
                    "with raft is replayed once under local.",
                    "Default: ${DEFAULT-VALUE}."})
    MetaConfig.Log log;

    @Option(names = "--secret-file", paramLabel = "FILE",
            description = "The cluster secret; created if missing (default: DIR/cluster.secret).")
    Path secretFile;

    @Override
    public Integer call() throws Exception {
        Foreground foreground = new Foreground();
        if (port != 0) { // before anything is created, so that a taken port leaves no new directory behind
            Ports.requireFree(host, port, "--port");
        }
        Path secretPath = secretFile != null ? secretFile : dir.resolve("cluster.secret");
        MetaConfig defaults = MetaConfig.defaults(dir, ClusterSecret.loadOrCreate(secretPath));
        MetaConfig config = new MetaConfig(dir, host, port, raftPort, defaults.secret(), defaults.defaultChunkSizeBytes(),
                defaults.defaultStripeCount(), defaults.nodeLease(), defaults.gcInterval(), defaults.snapshotEveryEntries())
                .withLog(log);
        try (MetaServer server = MetaServer.start(config)) {
            System.out.println("Mnemo metadata server listening on " + Addresses.show(server.address()));
            foreground.await();
        }
        return 0;
    }
}
