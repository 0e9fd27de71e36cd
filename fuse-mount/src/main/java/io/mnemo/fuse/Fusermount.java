package io.mnemo.fuse;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import jnr.constants.platform.Fcntl;
import jnr.posix.CmsgHdr;
import jnr.posix.MsgHdr;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import jnr.posix.SpawnFileAction;

/**
 * Mounts with the setuid {@code fusermount} helper, as libfuse does, so that any user may mount
 * (root too: one way for all). fusermount opens {@code /dev/fuse}, mounts it, and hands the open
 * descriptor back over a socket pair whose one end it inherits as {@code _FUSE_COMMFD}. The
 * helper of FUSE 2 ({@code fusermount}) and of FUSE 3 ({@code fusermount3}) speak the same way;
 * whichever is on the PATH does.
 */
final class Fusermount {
    private static final POSIX POSIX = POSIXFactory.getNativePOSIX();
    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SCM_RIGHTS = 1;
    private static final int FD_CLOEXEC = 1;
    /** The descriptor number the helper gets its end of the socket pair as. */
    private static final int CHILD_END = 3;

    /** The helper's name: {@code fusermount}, or {@code fusermount3} where only FUSE 3's is installed. */
    static final String COMMAND = onPath("fusermount") || !onPath("fusermount3") ? "fusermount" : "fusermount3";

    private Fusermount() {}

    private static boolean onPath(String command) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    /** Mounts at {@code target}; answers the {@code /dev/fuse} descriptor to serve it on. */
    static int mount(Path target, MountOptions options) throws FsException {
        int[] pair = new int[2];
        if (POSIX.socketpair(AF_UNIX, SOCK_STREAM, 0, pair) != 0) {
            throw new FsException(Errno.EIO, "cannot mount at " + target + ": socketpair failed (errno "
                    + POSIX.errno() + ")");
        }
        try {
            String kernelOptions = "fsname=mnemo,subtype=mnemo,nosuid,nodev" + options.kernelOptions();
            long pid = POSIX.posix_spawnp(COMMAND,
                    List.of(SpawnFileAction.dup(pair[1], CHILD_END), SpawnFileAction.close(pair[0])),
                    List.of(COMMAND, "-o", kernelOptions, "--", target.toString()),
                    List.of("_FUSE_COMMFD=" + CHILD_END, "PATH=" + System.getenv().getOrDefault("PATH", "/usr/bin:/bin")));
            if (pid <= 0) {
                throw new FsException(Errno.EIO, "cannot mount at " + target + ": cannot run " + COMMAND + " (install fuse)");
            }
            POSIX.close(pair[1]);
            pair[1] = -1;
            int fd = receiveDescriptor(pair[0]);
            int[] status = new int[1];
            POSIX.waitpid(pid, status, 0);
            if (fd < 0) {
                throw new FsException(Errno.EIO, "cannot mount at " + target + ": " + COMMAND + " failed (exit status "
                        + (status[0] >> 8) + "; its message is above)");
            }
            // Not inherited by the processes we start later: one holding it would keep a killed
            // Mnemo's connection open.
            POSIX.fcntlInt(fd, Fcntl.F_SETFD, FD_CLOEXEC);
            return fd;
        } finally {
            POSIX.close(pair[0]);
            if (pair[1] >= 0) {
                POSIX.close(pair[1]);
            }
        }
    }

    /** The descriptor sent as SCM_RIGHTS on {@code socket}, or -1 if the sender closed it without one. */
    private static int receiveDescriptor(int socket) {
        MsgHdr message = POSIX.allocateMsgHdr();
        message.setIov(new ByteBuffer[] {ByteBuffer.allocateDirect(1)});
        message.allocateControl(Integer.BYTES);
        if (POSIX.recvmsg(socket, message, 0) <= 0) {
            return -1;
        }
        for (CmsgHdr c : message.getControls()) {
            if (c.getType() == SCM_RIGHTS) {
                return c.getData().order(ByteOrder.nativeOrder()).getInt(0);
            }
        }
        return -1;
    }
}
