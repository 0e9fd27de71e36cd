package io.mnemo.core.error;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/** Java's I/O exceptions as one line a user reads: {@code <path>: <reason>}. */
public final class IoErrors {
    private IoErrors() {}

    /**
     * {@code <path>: <reason>} for a file-system exception (whose own message is often just the
     * path), the message for any other.
     */
    public static String describe(IOException e) {
        if (e instanceof FsException fs) {
            return fs.reason();
        }
        if (e instanceof FileSystemException fse && fse.getFile() != null) {
            String reason = fse.getReason() != null ? fse.getReason() : switch (fse) {
                case NoSuchFileException x -> "no such file or directory";
                case FileAlreadyExistsException x -> "already exists";
                case AccessDeniedException x -> "permission denied";
                case NotDirectoryException x -> "not a directory";
                case DirectoryNotEmptyException x -> "not empty";
                default -> fse.getClass().getSimpleName();
            };
            return fse.getFile() + (fse.getOtherFile() != null ? " -> " + fse.getOtherFile() : "") + ": " + reason;
        }
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
