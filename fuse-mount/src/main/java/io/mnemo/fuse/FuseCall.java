package io.mnemo.fuse;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single place where FUSE callbacks meet errors: every callback body runs through
 * {@link #call}, which turns an {@link FsException} into {@code -errno} and anything else into
 * {@code -EIO} with one log line. Nothing is ever thrown into native code.
 */
final class FuseCall {
    private static final Logger LOG = LoggerFactory.getLogger(FuseCall.class);

    /** A callback body: returns a non-negative result (0, or a byte count). */
    @FunctionalInterface
    interface Body {
        int run() throws Exception;
    }

    private FuseCall() {}

    static int call(String operation, String path, Body body) {
        try {
            return body.run();
        } catch (FsException e) {
            if (e.errno() == Errno.EIO) {
                LOG.warn("{} {}: {}", operation, path, e.getMessage());
            }
            return -e.errno().code();
        } catch (Throwable t) {
            LOG.error("{} {} failed", operation, path, t);
            return -Errno.EIO.code();
        }
    }
}
