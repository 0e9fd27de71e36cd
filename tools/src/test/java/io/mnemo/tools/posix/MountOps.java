package io.mnemo.tools.posix;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.FileType;
import io.mnemo.tools.bench.CacheDropper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;
import jnr.posix.FileStat;
import jnr.posix.NanosecondFileStat;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;

/**
 * {@link PosixOps} as system calls on a FUSE mount, with the errno each call sets: glibc through
 * jnr-ffi, and jnr-posix for stat (which knows glibc's stat ABI). The kernel resolves the paths.
 *
 * <p>{@link #as} runs each call as another user by switching the calling thread's real and
 * effective ids and groups with raw system calls, which (unlike glibc's wrappers) change the
 * credentials of that one thread only: the cluster and the FUSE loop, in this JVM too, keep
 * running as root. Every call on a switched thread is a native call and nothing else, so no
 * class is loaded (from a jar root may read and the user not) while the ids are switched;
 * {@link #warmUp} makes sure of that before the first test.
 */
final class MountOps implements PosixOps {
    /** The glibc calls the suite makes; {@code @SaveError} keeps errno for each. */
    public interface Libc {
        @SaveError int open(String path, int flags, int mode);
        @SaveError int close(int fd);
        @SaveError @ssize_t long pread(int fd, @Out byte[] buf, @size_t long count, long offset);
        @SaveError @ssize_t long pwrite(int fd, @In byte[] buf, @size_t long count, long offset);
        @SaveError @ssize_t long write(int fd, @In byte[] buf, @size_t long count);
        @SaveError int fsync(int fd);
        @SaveError int ftruncate(int fd, long length);
        @SaveError int fallocate(int fd, int mode, long offset, long length);
        @SaveError int truncate(String path, long length);
        @SaveError int mkdir(String path, int mode);
        @SaveError int rmdir(String path);
        @SaveError int unlink(String path);
        @SaveError int rename(String from, String to);
        @SaveError int link(String existing, String newPath);
        @SaveError int linkat(int oldDirFd, String oldPath, int newDirFd, String newPath, int flags);
        @SaveError int symlink(String target, String linkPath);
        @SaveError @ssize_t long readlink(String path, @Out byte[] buf, @size_t long size);
        @SaveError int mkfifo(String path, int mode);
        @SaveError int chmod(String path, int mode);
        @SaveError int chown(String path, int uid, int gid);
        @SaveError int lchown(String path, int uid, int gid);
        @SaveError int utimensat(int dirfd, String path, @In long[] times, int flags);
        @SaveError int access(String path, int mask);
        @SaveError int statvfs(String path, Pointer buf);
        @SaveError Pointer opendir(String path);
        @SaveError Pointer readdir(Pointer dir);
        @SaveError int closedir(Pointer dir);
        @SaveError int setxattr(String path, String name, @In byte[] value, @size_t long size, int flags);
        @SaveError @ssize_t long getxattr(String path, String name, @Out byte[] value, @size_t long size);
        @SaveError @ssize_t long listxattr(String path, @Out byte[] list, @size_t long size);
        @SaveError int removexattr(String path, String name);
        int posix_fadvise(int fd, long offset, long length, int advice);
        @SaveError long syscall(long number, long a, long b, long c);
        @SaveError long syscall(long number, long size, @In int[] list);
    }

    static final Libc LIBC = LibraryLoader.create(Libc.class).load("c");
    private static final jnr.ffi.Runtime RUNTIME = jnr.ffi.Runtime.getRuntime(LIBC);
    private static final POSIX POSIX = POSIXFactory.getNativePOSIX();
    private static final int AT_FDCWD = -100;
    private static final int AT_SYMLINK_FOLLOW = 0x400;
    private static final long UTIME_NOW = (1L << 30) - 1;
    private static final long UTIME_OMIT = (1L << 30) - 2;
    private static final int POSIX_FADV_DONTNEED = 4;
    /** struct dirent on 64-bit glibc: d_ino, d_off, d_reclen, d_type, then d_name. */
    private static final int DIRENT_NAME_OFFSET = 19;

    /** Who the calls run as; null: as this process (root). */
    private record Creds(int uid, int gid, int[] groups) {}

    private final String mountPoint;
    private final Creds creds;
    /** Descriptors opened and not yet closed, shared by all users' instances. */
    private final Set<Integer> open;

    MountOps(Path mountPoint) {
        this(mountPoint.toAbsolutePath().toString(), null, ConcurrentHashMap.newKeySet());
    }

    private MountOps(String mountPoint, Creds creds, Set<Integer> open) {
        this.mountPoint = mountPoint;
        this.creds = creds;
        this.open = open;
    }

    @Override
    public PosixOps as(int uid, int gid, int... groups) {
        return new MountOps(mountPoint, new Creds(uid, gid, groups.clone()), open);
    }

    @Override
    public void closeAll() {
        for (Integer fd : List.copyOf(open)) {
            LIBC.close(fd);
            open.remove(fd);
        }
    }

    /** Runs every kind of call once, as root and switched, so all their classes are loaded. */
    void warmUp(String dir) throws FsException {
        PosixOps switched = as(0, 0);
        for (PosixOps ops : List.of(this, switched)) {
            String f = dir + "/warm-up";
            int fd = ops.open(f, O_CREAT | O_RDWR | O_TRUNC, 0644);
            ops.pwrite(fd, 0, new byte[] {1});
            ops.write(fd, new byte[] {2});
            ops.pread(fd, 0, 2);
            ops.fstat(fd);
            ops.fsync(fd);
            ops.ftruncate(fd, 1);
            ops.dropCachedPages(fd);
            ops.close(fd);
            ops.stat(f);
            ops.lstat(f);
            ops.chmod(f, 0644);
            ops.chown(f, -1, -1);
            ops.lchown(f, -1, -1);
            ops.truncate(f, 0);
            ops.utimens(f, NOW, OMIT);
            ops.access(f, R_OK);
            ops.setxattr(f, "user.warm", new byte[] {1}, 0);
            ops.getxattr(f, "user.warm");
            ops.getxattrSize(f, "user.warm");
            ops.listxattr(f);
            ops.listxattrSize(f);
            ops.removexattr(f, "user.warm");
            ops.link(f, f + "-link");
            ops.rename(f + "-link", f + "-moved");
            ops.unlink(f + "-moved");
            ops.symlink("warm-up", f + "-sym");
            ops.readlink(f + "-sym");
            ops.unlink(f + "-sym");
            ops.mkfifo(f + "-fifo", 0644);
            ops.unlink(f + "-fifo");
            ops.mkdir(f + "-dir", 0755);
            ops.readdir(f + "-dir");
            ops.rmdir(f + "-dir");
            ops.statfs();
            ops.unlink(f);
            try {
                ops.stat(f); // the failure path too
            } catch (FsException expected) {
                // ENOENT
            }
        }
    }

    // ------------------------------------------------------------------ calls

    @FunctionalInterface
    private interface Call<T> {
        T run() throws FsException;
    }

    /** Runs {@code call} on this thread with this instance's credentials. */
    private <T> T as(Call<T> call) throws FsException {
        if (creds == null) {
            return call.run();
        }
        Credentials.become(creds.uid(), creds.gid(), creds.groups());
        try {
            return call.run();
        } finally {
            Credentials.becomeRoot();
        }
    }

    private static FsException failure(String op, String path) {
        int code = RUNTIME.getLastError();
        Errno errno = Errno.fromCode(code);
        String message = op + " " + path + ": errno " + code;
        return new FsException(errno, errno.code() == code ? message : message + " (not in Errno, shown as EIO)");
    }

    private static int check(int result, String op, String path) throws FsException {
        if (result < 0) {
            throw failure(op, path);
        }
        return result;
    }

    private static long check(long result, String op, String path) throws FsException {
        if (result < 0) {
            throw failure(op, path);
        }
        return result;
    }

    private String real(String path) {
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("not an absolute path: " + path);
        }
        return path.equals("/") ? mountPoint : mountPoint + path;
    }

    private static Stat stat(FileStat s) {
        NanosecondFileStat n = (NanosecondFileStat) s;
        long nanos = 1_000_000_000L;
        return new Stat(s.ino(), FileType.fromMode(s.mode()), s.mode() & 07777, s.uid(), s.gid(), s.nlink(),
                s.st_size(), s.atime() * nanos + n.aTimeNanoSecs(), s.mtime() * nanos + n.mTimeNanoSecs(),
                s.ctime() * nanos + n.cTimeNanoSecs());
    }

    @Override
    public Stat stat(String path) throws FsException {
        return as(() -> {
            FileStat s = POSIX.allocateStat();
            if (POSIX.stat(real(path), s) < 0) {
                throw failure("stat", path);
            }
            return stat(s);
        });
    }

    /** Drops the kernel's dentries and inodes first (root only), so that the stat looks the path up again. */
    @Override
    public Stat statUncached(String path) throws FsException {
        CacheDropper.CacheState dropped = CacheDropper.dentriesAndInodes().drop();
        if (!dropped.cold()) {
            throw new IllegalStateException(dropped.how());
        }
        return stat(path);
    }

    @Override
    public Stat lstat(String path) throws FsException {
        return as(() -> {
            FileStat s = POSIX.allocateStat();
            if (POSIX.lstat(real(path), s) < 0) {
                throw failure("lstat", path);
            }
            return stat(s);
        });
    }

    @Override
    public Stat fstat(int fd) throws FsException {
        return as(() -> {
            FileStat s = POSIX.allocateStat();
            if (POSIX.fstat(fd, s) < 0) {
                throw failure("fstat", "fd " + fd);
            }
            return stat(s);
        });
    }

    @Override
    public void mkdir(String path, int mode) throws FsException {
        as(() -> check(LIBC.mkdir(real(path), mode), "mkdir", path));
    }

    @Override
    public void rmdir(String path) throws FsException {
        as(() -> check(LIBC.rmdir(real(path)), "rmdir", path));
    }

    @Override
    public void unlink(String path) throws FsException {
        as(() -> check(LIBC.unlink(real(path)), "unlink", path));
    }

    @Override
    public void rename(String from, String to) throws FsException {
        as(() -> check(LIBC.rename(real(from), real(to)), "rename", from + " -> " + to));
    }

    @Override
    public void link(String existing, String newPath) throws FsException {
        as(() -> check(LIBC.link(real(existing), real(newPath)), "link", existing + " -> " + newPath));
    }

    @Override
    public void linkFd(int fd, String newPath) throws FsException {
        String magic = "/proc/self/fd/" + fd;
        as(() -> check(LIBC.linkat(AT_FDCWD, magic, AT_FDCWD, real(newPath), AT_SYMLINK_FOLLOW), "linkat",
                magic + " -> " + newPath));
    }

    @Override
    public void symlink(String target, String linkPath) throws FsException {
        as(() -> check(LIBC.symlink(target, real(linkPath)), "symlink", linkPath));
    }

    @Override
    public String readlink(String path) throws FsException {
        return as(() -> {
            byte[] buf = new byte[8192];
            int n = (int) check(LIBC.readlink(real(path), buf, buf.length), "readlink", path);
            return new String(buf, 0, n, StandardCharsets.UTF_8);
        });
    }

    @Override
    public void mkfifo(String path, int mode) throws FsException {
        as(() -> check(LIBC.mkfifo(real(path), mode), "mkfifo", path));
    }

    @Override
    public int open(String path, int flags, int mode) throws FsException {
        int fd = as(() -> check(LIBC.open(real(path), flags, mode), "open", path));
        open.add(fd);
        return fd;
    }

    @Override
    public byte[] pread(int fd, long offset, int length) throws FsException {
        return as(() -> {
            byte[] buf = new byte[length];
            int done = 0;
            while (done < length) {
                byte[] part = done == 0 ? buf : new byte[length - done];
                long n = check(LIBC.pread(fd, part, part.length, offset + done), "pread", "fd " + fd);
                if (n == 0) {
                    break;
                }
                if (part != buf) {
                    System.arraycopy(part, 0, buf, done, (int) n);
                }
                done += (int) n;
            }
            return done == length ? buf : Arrays.copyOf(buf, done);
        });
    }

    @Override
    public void pwrite(int fd, long offset, byte[] data) throws FsException {
        as(() -> {
            int done = 0;
            while (done < data.length) {
                byte[] part = done == 0 ? data : Arrays.copyOfRange(data, done, data.length);
                done += (int) check(LIBC.pwrite(fd, part, part.length, offset + done), "pwrite", "fd " + fd);
            }
            return null;
        });
    }

    @Override
    public void write(int fd, byte[] data) throws FsException {
        as(() -> {
            long n = check(LIBC.write(fd, data, data.length), "write", "fd " + fd);
            if (n != data.length) {
                throw new FsException(Errno.EIO, "short write of " + n + " of " + data.length + " bytes");
            }
            return null;
        });
    }

    @Override
    public void ftruncate(int fd, long size) throws FsException {
        as(() -> check(LIBC.ftruncate(fd, size), "ftruncate", "fd " + fd));
    }

    @Override
    public void fallocate(int fd, int mode, long offset, long length) throws FsException {
        as(() -> check(LIBC.fallocate(fd, mode, offset, length), "fallocate", "fd " + fd));
    }

    @Override
    public void fsync(int fd) throws FsException {
        as(() -> check(LIBC.fsync(fd), "fsync", "fd " + fd));
    }

    @Override
    public void close(int fd) throws FsException {
        open.remove(fd);
        as(() -> check(LIBC.close(fd), "close", "fd " + fd));
    }

    @Override
    public void dropCachedPages(int fd) throws FsException {
        int error = LIBC.posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
        if (error != 0) {
            throw new FsException(Errno.fromCode(error), "posix_fadvise fd " + fd + ": errno " + error);
        }
    }

    @Override
    public void chmod(String path, int mode) throws FsException {
        as(() -> check(LIBC.chmod(real(path), mode), "chmod", path));
    }

    @Override
    public void chown(String path, int uid, int gid) throws FsException {
        as(() -> check(LIBC.chown(real(path), uid, gid), "chown", path));
    }

    @Override
    public void lchown(String path, int uid, int gid) throws FsException {
        as(() -> check(LIBC.lchown(real(path), uid, gid), "lchown", path));
    }

    @Override
    public void truncate(String path, long size) throws FsException {
        as(() -> check(LIBC.truncate(real(path), size), "truncate", path));
    }

    @Override
    public void utimens(String path, long atimeNanos, long mtimeNanos) throws FsException {
        long[] times = new long[4];
        timespec(atimeNanos, times, 0);
        timespec(mtimeNanos, times, 2);
        as(() -> check(LIBC.utimensat(AT_FDCWD, real(path), times, 0), "utimensat", path));
    }

    private static void timespec(long nanos, long[] times, int at) {
        if (nanos == NOW || nanos == OMIT) {
            times[at] = 0;
            times[at + 1] = nanos == NOW ? UTIME_NOW : UTIME_OMIT;
        } else {
            times[at] = Math.floorDiv(nanos, 1_000_000_000L);
            times[at + 1] = Math.floorMod(nanos, 1_000_000_000L);
        }
    }

    @Override
    public void access(String path, int mask) throws FsException {
        as(() -> check(LIBC.access(real(path), mask), "access", path));
    }

    @Override
    public List<String> readdir(String path) throws FsException {
        List<String> names = new ArrayList<>(listing(path).keySet());
        names.removeAll(List.of(".", ".."));
        return names;
    }

    /** Every name readdir(3) gives for {@code path}, "." and ".." too, in its order, with its d_ino. */
    Map<String, Long> listing(String path) throws FsException {
        return as(() -> {
            Pointer dir = LIBC.opendir(real(path));
            if (dir == null) {
                throw failure("opendir", path);
            }
            try {
                Map<String, Long> entries = new LinkedHashMap<>();
                while (true) {
                    RUNTIME.setLastError(0);
                    Pointer entry = LIBC.readdir(dir);
                    if (entry == null) {
                        if (RUNTIME.getLastError() != 0) {
                            throw failure("readdir", path);
                        }
                        return entries;
                    }
                    entries.put(entry.getString(DIRENT_NAME_OFFSET, 256, StandardCharsets.UTF_8), entry.getLong(0));
                }
            } finally {
                LIBC.closedir(dir);
            }
        });
    }

    /** statvfs(2) of the mount: f_bsize, f_frsize, f_blocks, f_bfree, f_bavail, f_files, f_ffree, f_favail, f_fsid, f_flag, f_namemax. */
    long[] statvfs() throws FsException {
        return as(() -> {
            Pointer buf = Memory.allocate(RUNTIME, 256);
            check(LIBC.statvfs(mountPoint, buf), "statvfs", "/");
            long[] fields = new long[11];
            for (int i = 0; i < fields.length; i++) {
                fields[i] = buf.getLong(8L * i);
            }
            return fields;
        });
    }

    @Override
    public FsStat statfs() throws FsException {
        long[] s = statvfs();
        long frsize = s[1];
        return new FsStat(s[2] * frsize, (s[2] - s[3]) * frsize, s[5] - s[6]);
    }

    @Override
    public void setxattr(String path, String name, byte[] value, int flags) throws FsException {
        as(() -> check(LIBC.setxattr(real(path), name, value, value.length, flags), "setxattr", path + " " + name));
    }

    @Override
    public byte[] getxattr(String path, String name) throws FsException {
        return as(() -> {
            int size = (int) check(LIBC.getxattr(real(path), name, null, 0), "getxattr", path + " " + name);
            byte[] value = new byte[size];
            int n = (int) check(LIBC.getxattr(real(path), name, value, size), "getxattr", path + " " + name);
            return Arrays.copyOf(value, n);
        });
    }

    @Override
    public int getxattrSize(String path, String name) throws FsException {
        return as(() -> (int) check(LIBC.getxattr(real(path), name, null, 0), "getxattr", path + " " + name));
    }

    /** getxattr(2) into a buffer of exactly {@code size} bytes (ERANGE when too small). */
    byte[] getxattr(String path, String name, int size) throws FsException {
        return as(() -> {
            byte[] value = new byte[size];
            int n = (int) check(LIBC.getxattr(real(path), name, value, size), "getxattr", path + " " + name);
            return Arrays.copyOf(value, n);
        });
    }

    @Override
    public List<String> listxattr(String path) throws FsException {
        return as(() -> {
            int size = (int) check(LIBC.listxattr(real(path), null, 0), "listxattr", path);
            byte[] list = new byte[size];
            int n = (int) check(LIBC.listxattr(real(path), list, size), "listxattr", path);
            List<String> names = new ArrayList<>();
            int start = 0;
            for (int i = 0; i < n; i++) {
                if (list[i] == 0) {
                    names.add(new String(list, start, i - start, StandardCharsets.UTF_8));
                    start = i + 1;
                }
            }
            return names;
        });
    }

    @Override
    public int listxattrSize(String path) throws FsException {
        return as(() -> (int) check(LIBC.listxattr(real(path), null, 0), "listxattr", path));
    }

    @Override
    public void removexattr(String path, String name) throws FsException {
        as(() -> check(LIBC.removexattr(real(path), name), "removexattr", path + " " + name));
    }

    /** Per-thread credential changes with raw system calls (glibc's wrappers change every thread). */
    private static final class Credentials {
        private static final long SETGROUPS;
        private static final long SETRESUID;
        private static final long SETRESGID;
        private static final int[] ROOT_GROUPS;

        static {
            switch (System.getProperty("os.arch")) {
                case "amd64", "x86_64" -> {
                    SETGROUPS = 116;
                    SETRESUID = 117;
                    SETRESGID = 119;
                }
                case "aarch64" -> {
                    SETGROUPS = 159;
                    SETRESUID = 147;
                    SETRESGID = 149;
                }
                default -> throw new ExceptionInInitializerError("no syscall numbers for " + System.getProperty("os.arch"));
            }
            long[] groups = POSIX.getgroups();
            ROOT_GROUPS = new int[groups.length];
            for (int i = 0; i < groups.length; i++) {
                ROOT_GROUPS[i] = (int) groups[i];
            }
        }

        private Credentials() {}

        static void become(int uid, int gid, int[] groups) {
            require(LIBC.syscall(SETGROUPS, groups.length, groups), "setgroups");
            require(LIBC.syscall(SETRESGID, gid, gid, -1), "setresgid");
            // The saved uid stays 0, so becomeRoot can switch back.
            require(LIBC.syscall(SETRESUID, uid, uid, 0), "setresuid");
        }

        static void becomeRoot() {
            require(LIBC.syscall(SETRESUID, 0, 0, 0), "setresuid");
            require(LIBC.syscall(SETRESGID, 0, 0, 0), "setresgid");
            require(LIBC.syscall(SETGROUPS, ROOT_GROUPS.length, ROOT_GROUPS), "setgroups");
        }

        private static void require(long result, String call) {
            if (result != 0) {
                throw new IllegalStateException(call + " failed: errno " + RUNTIME.getLastError());
            }
        }
    }
}
