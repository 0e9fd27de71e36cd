package io.mnemo.fuse;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * How the kernel side of a mount behaves.
 *
 * @param attrTimeout how long the kernel trusts attributes it was given (default 1 s)
 * @param entryTimeout how long the kernel (and our path cache) trusts a name-to-inode mapping (default 1 s)
 * @param allowOther let users other than the mounter use the mount
 * @param debug libfuse's debug output on stderr
 */
public record MountOptions(Duration attrTimeout, Duration entryTimeout, boolean allowOther, boolean debug) {
    public static final MountOptions DEFAULTS = new MountOptions(Duration.ofSeconds(1), Duration.ofSeconds(1), false, false);

    /** The libfuse command-line options. */
    List<String> fuseArguments() {
        List<String> options = new ArrayList<>(List.of(
                "fsname=mnemo", "subtype=mnemo", "big_writes", "max_write=131072", "max_read=131072", "use_ino",
                "attr_timeout=" + seconds(attrTimeout), "entry_timeout=" + seconds(entryTimeout),
                "negative_timeout=0"));
        if (allowOther) {
            options.add("allow_other");
        }
        return List.of("-o", String.join(",", options));
    }

    private static String seconds(Duration d) {
        return String.valueOf(d.toMillis() / 1000.0);
    }
}
