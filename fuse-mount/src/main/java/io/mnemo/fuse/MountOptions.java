package io.mnemo.fuse;

import java.time.Duration;

/**
 * How the kernel side of a mount behaves. The caching model these timeouts give is described
 * in docs/CONSISTENCY.md.
 *
 * @param attrTimeout how long the kernel trusts attributes it was given (default 1 s)
 * @param entryTimeout how long the kernel trusts a name-to-inode mapping (default 1 s)
 * @param negativeTimeout how long the kernel remembers that a name does not exist (default 1 s)
 * @param allowOther let users other than the mounter use the mount (Mnemo checks their permissions)
 * @param defaultPermissions let the kernel check permissions from the mode bits before calling us
 * @param debug log every FUSE request and its outcome
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

    /** The mount(2) options this adds to the ones every FUSE mount needs. */
    String kernelOptions() {
        return (defaultPermissions ? ",default_permissions" : "") + (allowOther ? ",allow_other" : "");
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }
}
