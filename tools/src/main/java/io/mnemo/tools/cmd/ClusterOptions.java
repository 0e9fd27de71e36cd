package io.mnemo.tools.cmd;

import io.mnemo.core.client.ClientConfig;
import io.mnemo.core.error.FsException;
import io.mnemo.core.net.ClusterSecret;
import io.mnemo.tools.Addresses;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** How a command reaches a running cluster: the metadata server's address and the cluster secret. */
final class ClusterOptions {
    @Option(names = "--meta", defaultValue = "127.0.0.1:7700", paramLabel = "HOST:PORT",
            description = "The metadata server (default: ${DEFAULT-VALUE}).")
    String meta;

    @Option(names = "--secret-file", required = true, paramLabel = "FILE",
            description = "The cluster secret (the metadata server's DIR/cluster.secret).")
    Path secretFile;

    InetSocketAddress metaAddress() throws FsException {
        return Addresses.parse("--meta", meta);
    }

    ClusterSecret secret() throws IOException {
        return ClusterSecret.load(secretFile);
    }

    ClientConfig clientConfig() throws IOException {
        return ClientConfig.defaults(metaAddress(), secret());
    }
}
