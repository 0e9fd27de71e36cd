package io.mnemo.core.model;

/**
 * What {@code stat} shows of an inode, plus its layout (null for all but regular files)
 * and symlink target (null for all but symlinks).
 *
 * @param writtenBytes how many bytes of a regular file were ever written, at most its size, or -1
 *     when not known (a file from before this was kept): what {@link #allocatedBytes} and so
 *     {@code st_blocks} count, so that the holes of a sparse file take no space in {@code du}
 */
public record Attributes(
        InodeId inode,
        FileType type,
        int mode,
        int uid,
        int gid,
        int nlink,
        long sizeBytes,
        long atimeNanos,
        long mtimeNanos,
        long ctimeNanos,
        int rdev,
        Layout layout,
        String symlinkTarget,
        long writtenBytes) {

    /** Attributes whose written bytes are not known (they count as the size). */
    public Attributes(InodeId inode, FileType type, int mode, int uid, int gid, int nlink, long sizeBytes,
            long atimeNanos, long mtimeNanos, long ctimeNanos, int rdev, Layout layout, String symlinkTarget) {
        this(inode, type, mode, uid, gid, nlink, sizeBytes, atimeNanos, mtimeNanos, ctimeNanos, rdev, layout,
                symlinkTarget, -1);
    }

    /** The bytes the file takes, as {@code st_blocks} shows them: its size, less the holes where known. */
    public long allocatedBytes() {
        return writtenBytes < 0 ? sizeBytes : Math.min(writtenBytes, sizeBytes);
    }

    /** Permission bits plus setuid, setgid and sticky: {@code mode & 07777}. */
    public int permissions() {
        return mode & 07777;
    }

    /** The full {@code st_mode}: type bits and permissions. */
    public int statMode() {
        return type.formatBits() | permissions();
    }

    public boolean isDirectory() {
        return type == FileType.DIRECTORY;
    }

    public boolean isRegular() {
        return type == FileType.REGULAR;
    }

    /**
     * These attributes with writes not committed yet: at least {@code size} bytes long, modified
     * no earlier than {@code modifiedNanos}, with {@code writtenSinceCommit} more bytes written.
     */
    public Attributes withWrites(long size, long modifiedNanos, long writtenSinceCommit) {
        return new Attributes(inode, type, mode, uid, gid, nlink, Math.max(sizeBytes, size), atimeNanos,
                Math.max(mtimeNanos, modifiedNanos), Math.max(ctimeNanos, modifiedNanos), rdev, layout, symlinkTarget,
                writtenBytes < 0 ? -1 : writtenBytes + writtenSinceCommit);
    }
}
