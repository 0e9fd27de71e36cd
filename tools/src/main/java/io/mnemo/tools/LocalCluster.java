package io.mnemo.tools;

import io.mnemo.core.client.ClientConfig;
import io.mnemo.core.client.DataNodeInfo;
import io.mnemo.core.client.MnemoClient;
import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.error.IoErrors;
import io.mnemo.core.net.ClusterSecret;
import io.mnemo.data.DataConfig;
import io.mnemo.data.DataNode;
import io.mnemo.meta.MetaConfig;
import io.mnemo.meta.MetaServer;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The embedded cluster of {@code mnemo up}: one metadata server and N data nodes in this JVM,
 * on loopback, with all state under one directory ({@code meta/}, {@code data-0/}, ...,
 * {@code cluster.secret}). The directory is locked while the cluster runs.
 */
public final class LocalCluster implements Closeable {
    private static final long REGISTRATION_TIMEOUT_MILLIS = 30_000;

    private final FileChannel lockChannel;
    private final FileLock lock;
    private final ClusterSecret secret;
    private final MetaServer meta;
    private final List<DataNode> dataNodes;

    private LocalCluster(FileChannel lockChannel, FileLock lock, ClusterSecret secret, MetaServer meta,
            List<DataNode> dataNodes) {
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.secret = secret;
        this.meta = meta;
        this.dataNodes = dataNodes;
    }

    /**
     * Locks {@code dir}, starts the servers and returns once every data node has registered.
     *
     * @throws FsException EBUSY when another process uses {@code dir}
     */
    public static LocalCluster start(Path dir, int dataNodeCount) throws IOException, InterruptedException {
        return start(dir, dataNodeCount, 0);
    }

    /**
     * As {@link #start(Path, int)}, with each data node limited to {@code dataNodeCapacityBytes}
     * (0: the whole disk under it).
     */
    public static LocalCluster start(Path dir, int dataNodeCount, long dataNodeCapacityBytes)
            throws IOException, InterruptedException {
        Path root = dir.toAbsolutePath().normalize();
        FileChannel lockChannel = lockDir(root);
        FileLock lock = null;
        MetaServer meta = null;
        List<DataNode> nodes = new ArrayList<>();
        try {
            try {
                lock = lockChannel.tryLock();
            } catch (java.nio.channels.OverlappingFileLockException sameJvm) {
                lock = null;
            }
            if (lock == null) {
                throw new FsException(Errno.EBUSY, root + ": in use by another running Mnemo");
            }
            ClusterSecret secret = ClusterSecret.loadOrCreate(root.resolve("cluster.secret"));
            meta = MetaServer.start(MetaConfig.defaults(root.resolve("meta"), secret));
            for (int i = 0; i < dataNodeCount; i++) {
                nodes.add(DataNode.start(new DataConfig(root.resolve("data-" + i), "127.0.0.1", 0, meta.address(),
                        secret, dataNodeCapacityBytes)));
            }
            LocalCluster cluster = new LocalCluster(lockChannel, lock, secret, meta, nodes);
            cluster.awaitDataNodes(dataNodeCount);
            return cluster;
        } catch (IOException | InterruptedException | RuntimeException e) {
            nodes.forEach(LocalCluster::closeQuietly);
            closeQuietly(meta);
            closeQuietly(lockChannel);
            throw e;
        }
    }

    private static FileChannel lockDir(Path root) throws IOException {
        try {
            Files.createDirectories(root);
            return FileChannel.open(root.resolve("mnemo.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new FsException(Errno.EACCES, "cannot use " + root + " as the state directory: " + IoErrors.describe(e));
        }
    }

    private void awaitDataNodes(int count) throws FsException, InterruptedException {
        long deadline = System.nanoTime() + REGISTRATION_TIMEOUT_MILLIS * 1_000_000;
        try (MnemoClient client = MnemoClient.connect(clientConfig())) {
            while (client.dataNodes().stream().filter(DataNodeInfo::alive).count() < count) {
                if (System.nanoTime() > deadline) {
                    throw new FsException(Errno.ETIMEDOUT, "data nodes did not register with the metadata server in time");
                }
                Thread.sleep(20);
            }
        }
    }

    public InetSocketAddress metaAddress() {
        return meta.address();
    }

    public ClusterSecret secret() {
        return secret;
    }

    public MetaServer meta() {
        return meta;
    }

    public List<DataNode> dataNodes() {
        return dataNodes;
    }

    /** How a client in this JVM reaches the cluster. */
    public ClientConfig clientConfig() {
        return ClientConfig.defaults(meta.address(), secret);
    }

    /** Stops the data nodes, then the metadata server, then releases the directory. */
    @Override
    public void close() {
        dataNodes.forEach(LocalCluster::closeQuietly);
        closeQuietly(meta);
        try {
            lock.release();
        } catch (IOException ignored) {
            // Closing the channel releases it too.
        }
        closeQuietly(lockChannel);
    }

    private static void closeQuietly(Closeable c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException | RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(LocalCluster.class).warn("stopping {}: {}", c, e.toString());
            }
        }
    }
}
