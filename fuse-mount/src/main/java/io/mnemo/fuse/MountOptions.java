package io.mnemo.fuse;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How the kernel side of a mount behaves. The caching model these timeouts give is described
 * in docs/CONSISTENCY.md.
 *
 * @param attrTimeout how long the kernel trusts attributes it was given (default 1 s)
 * @param entryTimeout how long the kernel (and our path cache) trusts a name-to-inode mapping (default 1 s)
 * @param negativeTimeout how long the kernel remembers that a name does not exist (default 1 s)
 * @param allowOther let users other than the mounter use the mount (Mnemo checks their permissions)
 * @param defaultPermissions let the kernel check permissions from the mode bits before calling us
 * @param debug libfuse's debug output on stderr
 */
public record MountOptions(Duration attrTimeout, Duration entryTimeout, Duration negativeTimeout,
        boolean allowOther, boolean defaultPermissions, boolean debug) {

    /**
     * One-second caches; other users allowed when root mounts (as JuiceFS does); the kernel checks
     * permissions from the mode bits, exactly as for a local file system, even on names and
     * attributes it has cached (Mnemo checks them again on every call that reaches it).
     */
    public static final MountOptions DEFAULTS = new MountOptions(Duration.ofSeconds(1), Duration.ofSeconds(1),
            Duration.ofSeconds(1), isRoot(), true, false);

    /** The libfuse command-line options. */
    List<String> fuseArguments() {
        List<String> options = new ArrayList<>(List.of(
                "fsname=mnemo", "subtype=mnemo", "big_writes", "max_write=131072", "max_read=131072", "use_ino",
                // Unlink really unlinks: Mnemo itself keeps open-but-unlinked files alive, so libfuse
                // must not hide them as .fuse_hidden files.
                "hard_remove",
                "attr_timeout=" + seconds(attrTimeout), "entry_timeout=" + seconds(entryTimeout),
                "negative_timeout=" + seconds(negativeTimeout)));
        if (allowOther) {
            options.add("allow_other");
        }
        if (defaultPermissions) {
            options.add("default_permissions");
        }
        return List.of("-o", String.join(",", options));
    }

    private static String seconds(Duration d) {
        return String.valueOf(d.toMillis() / 1000.0);
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }
}
