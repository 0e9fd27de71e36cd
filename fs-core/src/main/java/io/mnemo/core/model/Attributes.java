package io.mnemo.core.model;

/**
 * What {@code stat} shows of an inode, plus its layout (null for all but regular files)
 * and symlink target (null for all but symlinks).
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
        String symlinkTarget) {

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
     * no earlier than {@code modifiedNanos}.
     */
    public Attributes withWrites(long size, long modifiedNanos) {
        return new Attributes(inode, type, mode, uid, gid, nlink, Math.max(sizeBytes, size), atimeNanos,
                Math.max(mtimeNanos, modifiedNanos), Math.max(ctimeNanos, modifiedNanos), rdev, layout, symlinkTarget);
    }
}
