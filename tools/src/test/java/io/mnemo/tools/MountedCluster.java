package io.mnemo.tools;

import io.mnemo.core.client.MnemoClient;
import io.mnemo.fuse.FuseMount;
import io.mnemo.fuse.MountOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real embedded cluster (metadata server, data nodes) with a real FUSE mount, started once
 * per test class and always unmounted and stopped afterwards, even when a test fails.
 * Register with {@code @RegisterExtension static final MountedCluster cluster = new MountedCluster(3);}.
 */
public final class MountedCluster implements BeforeAllCallback, AfterAllCallback {
    private final int dataNodes;
    private final long capacityBytes;
    private Path root;
    private LocalCluster cluster;
    private MnemoClient client;
    private FuseMount mount;

    public MountedCluster(int dataNodes) {
        this(dataNodes, 0);
    }

    /** Each data node limited to {@code capacityBytes}. */
    public MountedCluster(int dataNodes, long capacityBytes) {
        this.dataNodes = dataNodes;
        this.capacityBytes = capacityBytes;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        root = Files.createTempDirectory("mnemo-it-");
        start();
    }

    /** Starts (or starts again, on the same state directory) the cluster and the mount. */
    public void start() throws Exception {
        cluster = LocalCluster.start(stateDir(), dataNodes, capacityBytes);
        client = MnemoClient.connect(cluster.clientConfig());
        Files.createDirectories(mountPoint());
        mount = FuseMount.mount(client, mountPoint(), MountOptions.DEFAULTS);
    }

    /** Unmounts and stops everything; the state directory stays. */
    public void stop() {
        if (mount != null) {
            mount.close();
            mount = null;
        }
        if (client != null) {
            client.close();
            client = null;
        }
        if (cluster != null) {
            cluster.close();
            cluster = null;
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        stop();
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    public Path mountPoint() {
        return root.resolve("mnt");
    }

    public Path stateDir() {
        return root.resolve("state");
    }

    public Path scratch() throws IOException {
        return Files.createDirectories(root.resolve("scratch"));
    }

    public MnemoClient client() {
        return client;
    }

    public LocalCluster cluster() {
        return cluster;
    }
}
