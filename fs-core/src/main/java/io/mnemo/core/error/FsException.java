package io.mnemo.core.error;

import java.io.IOException;

/** A file-system failure with the errno a POSIX caller should see. */
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
