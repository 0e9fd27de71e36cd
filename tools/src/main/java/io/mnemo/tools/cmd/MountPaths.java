package io.mnemo.tools.cmd;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/** For the commands that work on paths inside a Mnemo mount ({@code layout}, {@code fsck}). */
final class MountPaths {
    /** The file system type of a Mnemo mount in {@code /proc/mounts}. */
    static final String FS_TYPE = "fuse.mnemo";

    private MountPaths() {}

    /** Fails unless {@code path} exists and lies inside a Mnemo mount. */
    static void requireInsideMount(Path path) throws FsException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            throw new FsException(Errno.ENOENT, path + ": no such file or directory");
        }
        String type;
        try {
            type = Files.getFileStore(path).type();
        } catch (IOException e) {
            throw new FsException(Errno.EIO, path + ": cannot tell which file system holds it: " + e.getMessage());
        }
        if (!FS_TYPE.equals(type)) {
            throw new FsException(Errno.EINVAL, path + ": not inside a Mnemo mount (it is on " + type + ")");
        }
    }
}
