package io.mnemo.core.error;

import java.io.IOException;

/**
 * A file-system failure with the errno a POSIX caller should see. It is an answer, not a bug, and
 * a common one (every negative lookup is an ENOENT), so it carries no stack trace: its message
 * and cause say what happened.
 */
public final class FsException extends IOException {
    private final Errno errno;

    public FsException(Errno errno, String message) {
        super(message);
        this.errno = errno;
    }

    public FsException(Errno errno, String message, Throwable cause) {
        super(message, cause);
        this.errno = errno;
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }

    public Errno errno() {
        return errno;
    }

    @Override
    public String getMessage() {
        return errno + ": " + super.getMessage();
    }

    /** The message without the errno prefix, for one-line user errors. */
    public String reason() {
        return super.getMessage();
    }
}
