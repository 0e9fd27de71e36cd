package io.mnemo.tools.cmd;

import io.mnemo.core.client.ClientConfig;
import io.mnemo.core.client.MnemoClient;
import io.mnemo.fuse.FuseMount;
import io.mnemo.fuse.MountOptions;
import io.mnemo.tools.Foreground;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code mnemo mount}: mounts a running cluster at a directory, in the foreground. */
@Command(name = "mount", mixinStandardHelpOptions = true,
        description = {"Mount a running cluster at MOUNTPOINT.",
                "Stays in the foreground while mounted.",
                "Ctrl-C or SIGTERM unmounts and exits; so does 'fusermount -u MOUNTPOINT'."})
public final class MountCommand implements Callable<Integer> {
    @Parameters(paramLabel = "MOUNTPOINT", description = "An empty directory to mount on.")
    Path mountPoint;

    @Mixin
    ClusterOptions cluster;

    @Option(names = "--attr-timeout-ms", defaultValue = "1000", paramLabel = "MS",
            description = "How long the kernel caches attributes (default: ${DEFAULT-VALUE}).")
    long attrTimeoutMillis;

    @Option(names = "--entry-timeout-ms", defaultValue = "1000", paramLabel = "MS",
            description = "How long the kernel caches names (default: ${DEFAULT-VALUE}).")
    long entryTimeoutMillis;

    @Option(names = "--negative-timeout-ms", defaultValue = "1000", paramLabel = "MS",
            description = "How long the kernel remembers that a name does not exist (default: ${DEFAULT-VALUE}).")
    long negativeTimeoutMillis;

    @Option(names = "--allow-other", negatable = true,
            description = "Let other users use the mount; Mnemo checks their permissions (default: on when root).")
    Boolean allowOther;

    @Option(names = "--default-permissions", negatable = true, defaultValue = "true",
            description = "Let the kernel check permissions from the mode bits before calling Mnemo (default: on).")
    boolean defaultPermissions;

    @Option(names = "--debug", description = "Log every FUSE request and its outcome on stderr.")
    boolean debug;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        requireNotNegative("--attr-timeout-ms", attrTimeoutMillis);
        requireNotNegative("--entry-timeout-ms", entryTimeoutMillis);
        requireNotNegative("--negative-timeout-ms", negativeTimeoutMillis);
        Foreground foreground = new Foreground();
        ClientConfig config = cluster.clientConfig();
        MountOptions options = new MountOptions(Duration.ofMillis(attrTimeoutMillis),
                Duration.ofMillis(entryTimeoutMillis), Duration.ofMillis(negativeTimeoutMillis),
                allowOther != null ? allowOther : MountOptions.DEFAULTS.allowOther(),
                defaultPermissions, debug);
        try (MnemoClient client = MnemoClient.connect(config);
                FuseMount mount = FuseMount.mount(client, mountPoint, options)) {
            System.out.println("Mnemo mounted at " + mount.mountPoint());
            foreground.stopAfter("mount-watch", mount::awaitUnmounted);
            foreground.await();
        }
        return 0;
    }

    private void requireNotNegative(String option, long millis) {
        if (millis < 0) {
            throw new ParameterException(spec.commandLine(), option + ": must be 0 (no caching) or more, got " + millis);
        }
    }
}
