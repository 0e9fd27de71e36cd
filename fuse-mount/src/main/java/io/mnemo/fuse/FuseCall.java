package io.mnemo.fuse;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single place where FUSE requests meet errors: every request runs through {@link #run},
 * which turns an {@link FsException} into its errno and anything else into EIO with one log
 * line. A server that could not be reached (ECONNREFUSED, ETIMEDOUT) is EIO too, as on a local
 * disk that fails: programs know what EIO means from {@code read(2)}, not a network errno.
 * Nothing escapes to the session's workers.
 */
final class FuseCall {
    private static final Logger LOG = LoggerFactory.getLogger(FuseCall.class);

    /** A request's handling; fills the reply or throws. */
    @FunctionalInterface
    interface Body {
        void run() throws Exception;
    }

    private FuseCall() {}

    /** Answers 0, or the errno to reply with. */
    static int run(int opcode, long nodeid, Body body) {
        try {
            body.run();
            return 0;
        } catch (FsException e) {
            Errno errno = e.errno();
            if (errno == Errno.EIO || errno == Errno.ECONNREFUSED || errno == Errno.ETIMEDOUT) {
                LOG.warn("FUSE op {} on inode {}: {}", opcode, nodeid, e.getMessage());
                return Errno.EIO.code();
            }
            return errno.code();
        } catch (Throwable t) {
            LOG.error("FUSE op {} on inode {} failed", opcode, nodeid, t);
            return Errno.EIO.code();
        }
    }
}
