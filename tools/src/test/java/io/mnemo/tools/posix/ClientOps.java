package io.mnemo.tools.posix;

import io.mnemo.core.client.DirListing;
import io.mnemo.core.client.FileHandle;
import io.mnemo.core.client.MnemoClient;
import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.AttrChanges;
import io.mnemo.core.model.Attributes;
import io.mnemo.core.model.Caller;
import io.mnemo.core.model.DirEntry;
import io.mnemo.core.model.FileType;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.model.Name;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@link PosixOps} through {@link MnemoClient}, with a small path walker in the place of the
 * kernel's: it resolves paths component by component with {@code lookup}, follows symlinks
 * (ELOOP after 40), checks search permission on every directory it passes with
 * {@code access(X_OK)} for a non-root caller, and does what the VFS does around the
 * inode calls (O_CREAT, O_EXCL, O_TRUNC, file positions). Everything else is Mnemo's.
 */
final class ClientOps implements PosixOps {
    private static final int MAX_SYMLINKS = 40;
    /** The open(2) flags the VFS consumes itself and FUSE never passes on. */
    private static final int VFS_FLAGS = O_CREAT | O_EXCL | O_TRUNC;

    private record OpenFd(FileHandle handle, int flags, long[] position) {}

    private record Parent(Attributes dir, Name name) {}

    private final MnemoClient client;
    private final Caller caller;
    private final Map<Integer, OpenFd> fds;
    private final AtomicInteger nextFd;

    ClientOps(MnemoClient client) {
        this(client, Caller.ROOT, new ConcurrentHashMap<>(), new AtomicInteger(3));
    }

    private ClientOps(MnemoClient client, Caller caller, Map<Integer, OpenFd> fds, AtomicInteger nextFd) {
        this.client = client;
        this.caller = caller;
        this.fds = fds;
        this.nextFd = nextFd;
    }

    @Override
    public PosixOps as(int uid, int gid, int... groups) {
        return new ClientOps(client, new Caller(uid, gid, Arrays.stream(groups).boxed().toList()), fds, nextFd);
    }

    // ------------------------------------------------------------------ path walking

    private boolean isRoot() {
        return caller.uid() == 0;
    }

    /** The inode at {@code path}; a symlink at the end is followed when {@code followLast}. */
    private Attributes walk(String path, boolean followLast) throws FsException {
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("not an absolute path: " + path);
        }
        Deque<Attributes> ancestors = new ArrayDeque<>();
        Attributes current = client.getattr(InodeId.ROOT);
        Deque<String> pending = new ArrayDeque<>(components(path));
        int symlinks = 0;
        while (!pending.isEmpty()) {
            String part = pending.pollFirst();
            if (part.equals(".")) {
                continue;
            }
            if (!current.isDirectory()) {
                throw new FsException(Errno.ENOTDIR, path + ": a component is not a directory");
            }
            if (!isRoot()) {
                client.access(current.inode(), X_OK, caller);
            }
            if (part.equals("..")) {
                current = ancestors.isEmpty() ? current : ancestors.pollLast();
                continue;
            }
            Attributes next = client.lookup(current.inode(), Name.of(part));
            boolean last = pending.isEmpty();
            if (next.type() == FileType.SYMLINK && (!last || followLast)) {
                if (++symlinks > MAX_SYMLINKS) {
                    throw new FsException(Errno.ELOOP, path + ": too many symbolic links");
                }
                String target = next.symlinkTarget();
                List<String> parts = components(target);
                for (int i = parts.size() - 1; i >= 0; i--) {
                    pending.addFirst(parts.get(i));
                }
                if (target.startsWith("/")) {
                    ancestors.clear();
                    current = client.getattr(InodeId.ROOT);
                }
                continue;
            }
            ancestors.addLast(current);
            current = next;
        }
        return current;
    }

    /** The directory that holds the last component of {@code path}, and that name. */
    private Parent parent(String path) throws FsException {
        int slash = path.lastIndexOf('/');
        String dirPath = slash == 0 ? "/" : path.substring(0, slash);
        String last = path.substring(slash + 1);
        Attributes dir = walk(dirPath, true);
        if (!dir.isDirectory()) {
            throw new FsException(Errno.ENOTDIR, dirPath + " is not a directory");
        }
        if (!isRoot()) {
            client.access(dir.inode(), X_OK, caller);
        }
        return new Parent(dir, Name.of(last));
    }

    private static List<String> components(String path) {
        List<String> parts = new ArrayList<>();
        for (String part : path.split("/")) {
            if (!part.isEmpty()) {
                parts.add(part);
            }
        }
        return parts;
    }

    private static Stat stat(Attributes a) {
        return new Stat(a.inode().value(), a.type(), a.permissions(), a.uid(), a.gid(), a.nlink(), a.sizeBytes(),
                a.atimeNanos(), a.mtimeNanos(), a.ctimeNanos());
    }

    // ------------------------------------------------------------------ namespace

    @Override
    public Stat stat(String path) throws FsException {
        return stat(walk(path, true));
    }

    @Override
    public Stat statUncached(String path) throws FsException {
        return stat(path); // the client caches no attributes
    }

    @Override
    public Stat lstat(String path) throws FsException {
        return stat(walk(path, false));
    }

    @Override
    public void mkdir(String path, int mode) throws FsException {
        Parent p = parent(path);
        client.mkdir(p.dir().inode(), p.name(), mode, caller);
    }

    @Override
    public void rmdir(String path) throws FsException {
        Parent p = parent(path);
        client.rmdir(p.dir().inode(), p.name(), caller);
    }

    @Override
    public void unlink(String path) throws FsException {
        Parent p = parent(path);
        client.unlink(p.dir().inode(), p.name(), caller);
    }

    @Override
    public void rename(String from, String to) throws FsException {
        Parent src = parent(from);
        Parent dst = parent(to);
        client.rename(src.dir().inode(), src.name(), dst.dir().inode(), dst.name(), 0, caller);
    }

    @Override
    public void link(String existing, String newPath) throws FsException {
        Attributes target = walk(existing, false);
        Parent p = parent(newPath);
        client.link(target.inode(), p.dir().inode(), p.name(), caller);
    }

    @Override
    public void linkFd(int fd, String newPath) throws FsException {
        Parent p = parent(newPath);
        client.link(fd(fd).handle().inode(), p.dir().inode(), p.name(), caller);
    }

    @Override
    public void symlink(String target, String linkPath) throws FsException {
        Parent p = parent(linkPath);
        client.symlink(p.dir().inode(), p.name(), target, caller);
    }

    @Override
    public String readlink(String path) throws FsException {
        return client.readlink(walk(path, false).inode());
    }

    @Override
    public void mkfifo(String path, int mode) throws FsException {
        Parent p = parent(path);
        client.mknod(p.dir().inode(), p.name(), FileType.FIFO, mode, 0, caller);
    }

    @Override
    public List<String> readdir(String path) throws FsException {
        Attributes dir = walk(path, true);
        if (!dir.isDirectory()) {
            throw new FsException(Errno.ENOTDIR, path + " is not a directory");
        }
        // opendir(3) needs read permission; MnemoClient.readdir takes no caller, so the
        // layer above it (the FUSE adapter, here this walker) asks first.
        if (!isRoot()) {
            client.access(dir.inode(), R_OK, caller);
        }
        List<String> names = new ArrayList<>();
        Name after = null;
        while (true) {
            DirListing page = client.readdir(dir.inode(), after, MnemoClient.READDIR_PAGE);
            for (DirEntry e : page.entries()) {
                names.add(e.name().toString());
                after = e.name();
            }
            if (!page.more() || page.entries().isEmpty()) {
                return names;
            }
        }
    }

    @Override
    public FsStat statfs() throws FsException {
        var s = client.statfs();
        return new FsStat(s.capacityBytes(), s.usedBytes(), s.inodes());
    }

    // ------------------------------------------------------------------ attributes

    @Override
    public void chmod(String path, int mode) throws FsException {
        client.setattr(walk(path, true).inode(), AttrChanges.NONE.withMode(mode), caller);
    }

    @Override
    public void chown(String path, int uid, int gid) throws FsException {
        client.setattr(walk(path, true).inode(), owner(uid, gid), caller);
    }

    @Override
    public void lchown(String path, int uid, int gid) throws FsException {
        client.setattr(walk(path, false).inode(), owner(uid, gid), caller);
    }

    private static AttrChanges owner(int uid, int gid) {
        return AttrChanges.NONE.withOwner(uid == -1 ? null : uid, gid == -1 ? null : gid);
    }

    @Override
    public void truncate(String path, long size) throws FsException {
        client.setattr(walk(path, true).inode(), AttrChanges.NONE.withSize(size), caller);
    }

    @Override
    public void utimens(String path, long atimeNanos, long mtimeNanos) throws FsException {
        AttrChanges changes = AttrChanges.NONE;
        if (atimeNanos != OMIT) {
            changes = changes.withAtime(atimeNanos == NOW ? null : atimeNanos, atimeNanos == NOW);
        }
        if (mtimeNanos != OMIT) {
            changes = changes.withMtime(mtimeNanos == NOW ? null : mtimeNanos, mtimeNanos == NOW);
        }
        client.setattr(walk(path, true).inode(), changes, caller);
    }

    @Override
    public void access(String path, int mask) throws FsException {
        client.access(walk(path, true).inode(), mask, caller);
    }

    @Override
    public void setxattr(String path, String name, byte[] value, int flags) throws FsException {
        client.setxattr(walk(path, true).inode(), name, value, flags, caller);
    }

    @Override
    public byte[] getxattr(String path, String name) throws FsException {
        return client.getxattr(walk(path, true).inode(), name, caller);
    }

    @Override
    public int getxattrSize(String path, String name) throws FsException {
        return getxattr(path, name).length;
    }

    @Override
    public List<String> listxattr(String path) throws FsException {
        return client.listxattr(walk(path, true).inode(), caller);
    }

    @Override
    public int listxattrSize(String path) throws FsException {
        int size = 0;
        for (String name : listxattr(path)) {
            size += name.getBytes(StandardCharsets.UTF_8).length + 1;
        }
        return size;
    }

    @Override
    public void removexattr(String path, String name) throws FsException {
        client.removexattr(walk(path, true).inode(), name, caller);
    }

    // ------------------------------------------------------------------ data

    @Override
    public int open(String path, int flags, int mode) throws FsException {
        if ((flags & O_TMPFILE) == O_TMPFILE) {
            return openTmpfile(path, flags, mode);
        }
        Parent p = parent(path);
        Attributes existing;
        try {
            existing = client.lookup(p.dir().inode(), p.name());
        } catch (FsException e) {
            if (e.errno() != Errno.ENOENT || (flags & O_CREAT) == 0) {
                throw e;
            }
            existing = null;
        }
        if (existing != null && (flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) {
            throw new FsException(Errno.EEXIST, path + " exists");
        }
        FileHandle handle;
        if (existing == null) {
            handle = client.createAndOpen(p.dir().inode(), p.name(), mode, flags & ~VFS_FLAGS, true, caller);
        } else {
            if (existing.type() == FileType.SYMLINK) {
                existing = walk(path, true);
            }
            if (existing.isDirectory() && (flags & O_ACCMODE) != O_RDONLY) {
                throw new FsException(Errno.EISDIR, path + " is a directory");
            }
            handle = client.open(existing.inode(), flags & ~VFS_FLAGS, false, caller);
            if ((flags & O_TRUNC) != 0 && (flags & O_ACCMODE) != O_RDONLY) {
                try {
                    client.setattr(handle.inode(), AttrChanges.NONE.withSize(0), caller);
                } catch (FsException e) {
                    client.release(handle);
                    throw e;
                }
            }
        }
        int fd = nextFd.getAndIncrement();
        fds.put(fd, new OpenFd(handle, flags, new long[1]));
        return fd;
    }

    /** As the kernel's {@code do_tmpfile}: EINVAL unless open for writing; the directory's checks are Mnemo's. */
    private int openTmpfile(String path, int flags, int mode) throws FsException {
        if ((flags & O_ACCMODE) == O_RDONLY) {
            throw new FsException(Errno.EINVAL, "O_TMPFILE needs O_WRONLY or O_RDWR");
        }
        int fileFlags = flags & ~(O_TMPFILE | VFS_FLAGS);
        FileHandle handle = client.createTmpfile(walk(path, true).inode(), mode, fileFlags, (flags & O_EXCL) == 0, caller);
        int fd = nextFd.getAndIncrement();
        fds.put(fd, new OpenFd(handle, fileFlags, new long[1]));
        return fd;
    }

    private OpenFd fd(int fd) throws FsException {
        OpenFd open = fds.get(fd);
        if (open == null) {
            throw new FsException(Errno.EBADF, "no descriptor " + fd);
        }
        return open;
    }

    @Override
    public byte[] pread(int fd, long offset, int length) throws FsException {
        return client.read(fd(fd).handle(), offset, length);
    }

    @Override
    public void pwrite(int fd, long offset, byte[] data) throws FsException {
        client.write(fd(fd).handle(), offset, data, data.length);
    }

    @Override
    public void write(int fd, byte[] data) throws FsException {
        OpenFd open = fd(fd);
        synchronized (open) {
            long at = client.write(open.handle(), open.position()[0], data, data.length);
            open.position()[0] = at + data.length;
        }
    }

    @Override
    public Stat fstat(int fd) throws FsException {
        return stat(client.getattr(fd(fd).handle().inode()));
    }

    @Override
    public void ftruncate(int fd, long size) throws FsException {
        client.setattr(fd(fd).handle(), AttrChanges.NONE.withSize(size), caller);
    }

    @Override
    public void fallocate(int fd, int mode, long offset, long length) throws FsException {
        client.fallocate(fd(fd).handle(), mode, offset, length);
    }

    @Override
    public void fsync(int fd) throws FsException {
        client.fsync(fd(fd).handle());
    }

    @Override
    public void close(int fd) throws FsException {
        OpenFd open = fds.remove(fd);
        if (open == null) {
            throw new FsException(Errno.EBADF, "no descriptor " + fd);
        }
        client.release(open.handle());
    }

    @Override
    public void closeAll() {
        for (Integer fd : List.copyOf(fds.keySet())) {
            try {
                close(fd);
            } catch (FsException ignored) {
                // The test failed already; what matters is that the handle is gone.
            }
        }
    }

    @Override
    public void dropCachedPages(int fd) {
        // MnemoClient keeps no page cache: every read goes to the data nodes.
    }
}
