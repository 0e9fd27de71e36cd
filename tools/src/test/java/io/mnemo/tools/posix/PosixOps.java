package io.mnemo.tools.posix;

import io.mnemo.core.error.FsException;
import io.mnemo.core.model.FileType;
import java.util.List;

/**
 * The POSIX calls the conformance suite makes, on absolute paths inside one Mnemo file system
 * ({@code "/"} is its root). Every failure is an {@link FsException} carrying the errno the
 * call set, so the suite asserts exact errno values the same way through {@link ClientOps}
 * (MnemoClient) and {@link MountOps} (system calls on a FUSE mount).
 *
 * <p>Flag and mask values are Linux's.
 */
interface PosixOps {
    int O_RDONLY = 0;
    int O_WRONLY = 01;
    int O_RDWR = 02;
    int O_ACCMODE = 03;
    int O_CREAT = 0100;
    int O_EXCL = 0200;
    int O_TRUNC = 01000;
    int O_APPEND = 02000;
    /** {@code __O_TMPFILE | O_DIRECTORY}: the path names a directory, the file gets no name. */
    int O_TMPFILE = 020200000;

    int F_OK = 0;
    int X_OK = 1;
    int W_OK = 2;
    int R_OK = 4;

    int XATTR_CREATE = 1;
    int XATTR_REPLACE = 2;

    /** A {@link #utimens} time: the current time (UTIME_NOW). */
    long NOW = Long.MIN_VALUE;
    /** A {@link #utimens} time: leave unchanged (UTIME_OMIT). */
    long OMIT = Long.MIN_VALUE + 1;

    /** What stat(2) shows; {@code mode} holds the permission bits with setuid, setgid and sticky. */
    record Stat(long ino, FileType type, int mode, int uid, int gid, int nlink, long size,
            long atimeNanos, long mtimeNanos, long ctimeNanos) {}

    /** What statfs(2) shows, in bytes and inodes in use. */
    record FsStat(long capacityBytes, long usedBytes, long inodesUsed) {}

    Stat stat(String path) throws FsException;

    Stat lstat(String path) throws FsException;

    /** stat(2) as the file system's servers have it now, past any attributes the kernel has cached. */
    Stat statUncached(String path) throws FsException;

    void mkdir(String path, int mode) throws FsException;

    void rmdir(String path) throws FsException;

    void unlink(String path) throws FsException;

    void rename(String from, String to) throws FsException;

    void link(String existing, String newPath) throws FsException;

    /** linkat(2) of an open file ({@code /proc/self/fd/N} followed): how an {@code O_TMPFILE} file gets a name. */
    void linkFd(int fd, String newPath) throws FsException;

    void symlink(String target, String linkPath) throws FsException;

    String readlink(String path) throws FsException;

    void mkfifo(String path, int mode) throws FsException;

    /** open(2); returns a descriptor for the calls below. */
    int open(String path, int flags, int mode) throws FsException;

    /** pread(2), repeated until {@code length} bytes or the end of the file. */
    byte[] pread(int fd, long offset, int length) throws FsException;

    /** pwrite(2) of all of {@code data}. */
    void pwrite(int fd, long offset, byte[] data) throws FsException;

    /** write(2) at the descriptor's position (the end of the file with O_APPEND). */
    void write(int fd, byte[] data) throws FsException;

    Stat fstat(int fd) throws FsException;

    void ftruncate(int fd, long size) throws FsException;

    /** fallocate(2). */
    void fallocate(int fd, int mode, long offset, long length) throws FsException;

    void fsync(int fd) throws FsException;

    void close(int fd) throws FsException;

    /** Closes every descriptor the suite left open (a failed test), so the mount can be unmounted. */
    void closeAll();

    /** Drops what a kernel caches of the file's pages, so the next read asks the file system. */
    void dropCachedPages(int fd) throws FsException;

    void chmod(String path, int mode) throws FsException;

    /** chown(2); -1 leaves an id unchanged. */
    void chown(String path, int uid, int gid) throws FsException;

    void lchown(String path, int uid, int gid) throws FsException;

    void truncate(String path, long size) throws FsException;

    /** utimensat(2) in nanoseconds since the epoch, or {@link #NOW} / {@link #OMIT}. */
    void utimens(String path, long atimeNanos, long mtimeNanos) throws FsException;

    void access(String path, int mask) throws FsException;

    /** The names in a directory, without "." and "..". */
    List<String> readdir(String path) throws FsException;

    FsStat statfs() throws FsException;

    void setxattr(String path, String name, byte[] value, int flags) throws FsException;

    byte[] getxattr(String path, String name) throws FsException;

    /** getxattr(2) with a zero-length buffer: the value's size. */
    int getxattrSize(String path, String name) throws FsException;

    List<String> listxattr(String path) throws FsException;

    /** listxattr(2) with a zero-length buffer: the size of the NUL-separated list. */
    int listxattrSize(String path) throws FsException;

    void removexattr(String path, String name) throws FsException;

    /** The same calls made by another user, with these supplementary groups. */
    PosixOps as(int uid, int gid, int... groups);
}
