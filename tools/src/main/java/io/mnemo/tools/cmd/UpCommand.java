package io.mnemo.tools.cmd;

import io.mnemo.core.client.MnemoClient;
import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.fuse.FuseMount;
import io.mnemo.fuse.MountOptions;
import io.mnemo.tools.Foreground;
import io.mnemo.tools.LocalCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code mnemo up}: the embedded cluster and a mount, in one process, in the foreground. */
@Command(name = "up", mixinStandardHelpOptions = true,
        description = {"Start Mnemo here: metadata server, data nodes and a mount.",
                "Runs a metadata server, data nodes and a FUSE mount in one process.",
                "Prints 'Mnemo mounted at PATH' once the mount answers, then stays in the",
                "foreground; Ctrl-C or SIGTERM unmounts and exits. Started again on the same",
                "--dir, every file is still there."})
public final class UpCommand implements Callable<Integer> {
    @Option(names = "--dir", defaultValue = "mnemo-data", paramLabel = "DIR",
            description = "Where all state lives (default: ./${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--mount", defaultValue = "mnt", paramLabel = "DIR",
            description = "Where to mount; created if missing, must be empty (default: ./${DEFAULT-VALUE}).")
    Path mountPoint;

    @Option(names = "--data-nodes", defaultValue = "3", paramLabel = "N",
            description = "How many data nodes to run (default: ${DEFAULT-VALUE}).")
    int dataNodes;

    @Override
    public Integer call() throws Exception {
        if (dataNodes < 1 || dataNodes > 64) {
            throw new FsException(Errno.EINVAL, "--data-nodes: must be between 1 and 64, got " + dataNodes);
        }
        Path mount = mountPoint.toAbsolutePath().normalize();
        requireUsableMountPoint(mount);
        Foreground foreground = new Foreground();
        try (LocalCluster cluster = LocalCluster.start(dir, dataNodes);
                MnemoClient client = MnemoClient.connect(cluster.clientConfig());
                FuseMount fuse = FuseMount.mount(client, mount, MountOptions.DEFAULTS)) {
            System.out.println("Mnemo mounted at " + fuse.mountPoint());
            foreground.stopAfter("mount-watch", fuse::awaitUnmounted);
            foreground.await();
        }
        return 0;
    }

    /** Fails before anything starts if the mount point cannot be used; creates it if missing. */
    private static void requireUsableMountPoint(Path mount) throws IOException {
        FuseMount.clearStaleMount(mount);
        if (!Files.exists(mount, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(mount);
            return;
        }
        if (!Files.isDirectory(mount)) {
            throw new FsException(Errno.ENOTDIR, mount + ": not a directory");
        }
        try (Stream<Path> entries = Files.list(mount)) {
            if (entries.findAny().isPresent()) {
                throw new FsException(Errno.ENOTEMPTY, mount + ": not an empty directory");
            }
        } catch (FsException e) {
            throw e;
        } catch (IOException e) {
            throw new FsException(Errno.EIO, mount + ": cannot list: " + e.getMessage());
        }
    }
}
