package io.mnemo.fuse;

import io.mnemo.core.client.FileHandle;
import io.mnemo.core.client.MnemoClient;
import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.AttrChanges;
import io.mnemo.core.model.Attributes;
import io.mnemo.core.model.Caller;
import io.mnemo.core.model.FileType;
import io.mnemo.fuse.PathResolver.Parent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import com.kenai.jffi.MemoryIO;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseContext;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;
import ru.serce.jnrfuse.struct.Timespec;

/**
 * FUSE callbacks, each one line into {@link MnemoClient} through {@link FuseCall}. Callbacks
 * arrive on many threads at once; all shared state lives in the client, the handle tables and
 * the path resolver, which are safe for that.
 */
final class MnemoFuse extends FuseStubFS {
    private static final int O_EXCL = 0200;
    private static final long UTIME_NOW = (1L << 30) - 1;
    private static final long UTIME_OMIT = (1L << 30) - 2;
    private static final long ID_UNCHANGED = 0xFFFFFFFFL;
    private static final int FLAG_NULLPATH_OK = 1;
    private static final int FLAG_UTIME_OMIT_OK = 1 << 2;

    private final MnemoClient client;
    private final PathResolver paths;
    private final MountProbe probe;
    private final AttachWarmup warmup;
    private final Callers callers = new Callers();
    private final PageCachePolicy pageCache = new PageCachePolicy();
    private final AtomicLong handleNumbers = new AtomicLong(1);
    private final Handles<FileHandle> files = new Handles<>(handleNumbers);
    private final Handles<DirStream> dirs = new Handles<>(handleNumbers);

    MnemoFuse(MnemoClient client, Duration entryTimeout, MountProbe probe, AttachWarmup warmup) {
        this.client = client;
        this.paths = new PathResolver(client, entryTimeout);
        this.probe = probe;
        this.warmup = warmup;
        setOperationFlags();
    }

    /**
     * Sets two of libfuse's {@code fuse_operations} flags, which jnr-fuse declares only as padding:
     * {@code flag_nullpath_ok}, so that calls on an open file that was unlinked or renamed over
     * (under {@code hard_remove}) reach us with a null path and its handle instead of failing with
     * ENOENT in libfuse; and {@code flag_utime_omit_ok}, so that utimens gets UTIME_NOW and
     * UTIME_OMIT as they are, rather than times libfuse made up, which need other permissions.
     * The flags are a 32-bit bitfield right after the {@code bmap} pointer (libfuse 2.9, LP64,
     * first flag in the lowest bit).
     */
    private void setOperationFlags() {
        int flagsOffset = (int) fuseOperations.bmap.offset() + Long.BYTES;
        jnr.ffi.Struct.getMemory(fuseOperations).putInt(flagsOffset, FLAG_NULLPATH_OK | FLAG_UTIME_OMIT_OK);
    }

    @Override
    protected String getFSName() {
        return "mnemo";
    }

    /** We unmounted ourselves: keep jnr-fuse's exit hook from running a lazy fusermount on the path. */
    void markUnmounted() {
        mounted.set(false);
    }

    @Override
    public int getattr(String path, FileStat stat) {
        return FuseCall.call("getattr", path, () -> {
            probe.check(path);
            StatFiller.fill(stat, paths.attributes(path, caller()));
            return 0;
        });
    }

    @Override
    public int fgetattr(String path, FileStat stat, FuseFileInfo fi) {
        return FuseCall.call("fgetattr", path, () -> {
            FileHandle open = files.find(fi.fh.get());
            StatFiller.fill(stat, client.getattr(open != null ? open.inode() : paths.inode(path, caller())));
            return 0;
        });
    }

    @Override
    public int readlink(String path, Pointer buf, long size) {
        return FuseCall.call("readlink", path, () -> {
            byte[] target = client.readlink(paths.inode(path, caller())).getBytes(StandardCharsets.UTF_8);
            int n = (int) Math.min(target.length, size - 1);
            buf.put(0, target, 0, n);
            buf.putByte(n, (byte) 0);
            return 0;
        });
    }

    @Override
    public int mknod(String path, long mode, long rdev) {
        return FuseCall.call("mknod", path, () -> {
            Parent p = paths.parent(path, caller());
            client.mknod(p.dir(), p.name(), FileType.fromMode((int) mode), (int) mode, (int) rdev, caller());
            return 0;
        });
    }

    @Override
    public int mkdir(String path, long mode) {
        return FuseCall.call("mkdir", path, () -> {
            Parent p = paths.parent(path, caller());
            client.mkdir(p.dir(), p.name(), (int) mode, caller());
            return 0;
        });
    }

    @Override
    public int unlink(String path) {
        return FuseCall.call("unlink", path, () -> {
            Parent p = paths.parent(path, caller());
            client.unlink(p.dir(), p.name(), caller());
            return 0;
        });
    }

    @Override
    public int rmdir(String path) {
        return FuseCall.call("rmdir", path, () -> {
            Parent p = paths.parent(path, caller());
            client.rmdir(p.dir(), p.name(), caller());
            paths.forget(path);
            return 0;
        });
    }

    @Override
    public int symlink(String target, String linkPath) {
        return FuseCall.call("symlink", linkPath, () -> {
            Parent p = paths.parent(linkPath, caller());
            client.symlink(p.dir(), p.name(), target, caller());
            return 0;
        });
    }

    @Override
    public int rename(String from, String to) {
        return FuseCall.call("rename", from, () -> {
            Parent src = paths.parent(from, caller());
            Parent dst = paths.parent(to, caller());
            client.rename(src.dir(), src.name(), dst.dir(), dst.name(), 0, caller());
            paths.forget(from);
            paths.forget(to);
            return 0;
        });
    }

    @Override
    public int link(String existing, String newPath) {
        return FuseCall.call("link", newPath, () -> {
            Parent p = paths.parent(newPath, caller());
            client.link(paths.inode(existing, caller()), p.dir(), p.name(), caller());
            return 0;
        });
    }

    @Override
    public int chmod(String path, long mode) {
        return FuseCall.call("chmod", path, () -> setattr(path, AttrChanges.NONE.withMode((int) mode)));
    }

    @Override
    public int chown(String path, long uid, long gid) {
        return FuseCall.call("chown", path, () -> setattr(path, AttrChanges.NONE.withOwner(
                (uid & ID_UNCHANGED) == ID_UNCHANGED ? null : (int) uid,
                (gid & ID_UNCHANGED) == ID_UNCHANGED ? null : (int) gid)));
    }

    @Override
    public int truncate(String path, long size) {
        return FuseCall.call("truncate", path, () -> setattr(path, AttrChanges.NONE.withSize(size)));
    }

    @Override
    public int ftruncate(String path, long size, FuseFileInfo fi) {
        return FuseCall.call("ftruncate", path, () -> {
            client.setattr(files.get(fi.fh.get()).inode(), AttrChanges.NONE.withSize(size), caller());
            return 0;
        });
    }

    @Override
    public int utimens(String path, Timespec[] times) {
        return FuseCall.call("utimens", path, () -> {
            AttrChanges changes = AttrChanges.NONE;
            long aNs = times[0].tv_nsec.longValue();
            if (aNs != UTIME_OMIT) {
                changes = changes.withAtime(aNs == UTIME_NOW ? null : nanos(times[0]), aNs == UTIME_NOW);
            }
            long mNs = times[1].tv_nsec.longValue();
            if (mNs != UTIME_OMIT) {
                changes = changes.withMtime(mNs == UTIME_NOW ? null : nanos(times[1]), mNs == UTIME_NOW);
            }
            return setattr(path, changes);
        });
    }

    @Override
    public int create(String path, long mode, FuseFileInfo fi) {
        return FuseCall.call("create", path, () -> {
            Caller caller = caller();
            Parent p = paths.parent(path, caller);
            int flags = fi.flags.get();
            return opened(fi, client.createAndOpen(p.dir(), p.name(), (int) mode, flags, (flags & O_EXCL) != 0, caller));
        });
    }

    @Override
    public int open(String path, FuseFileInfo fi) {
        return FuseCall.call("open", path, () -> {
            return opened(fi, client.open(paths.inode(path, caller()), fi.flags.get(), false, caller()));
        });
    }

    @Override
    public int read(String path, Pointer buf, long size, long offset, FuseFileInfo fi) {
        return FuseCall.call("read", path, () -> {
            return client.read(files.get(fi.fh.get()), offset, fuseBuffer(buf, size));
        });
    }

    @Override
    public int write(String path, Pointer buf, long size, long offset, FuseFileInfo fi) {
        return FuseCall.call("write", path, () -> {
            client.write(files.get(fi.fh.get()), offset, Unpooled.wrappedBuffer(fuseBuffer(buf, size)));
            return (int) size;
        });
    }

    @Override
    public int statfs(String path, Statvfs stats) {
        return FuseCall.call("statfs", path, () -> {
            warmup.sawCall();
            StatFiller.fill(stats, client.statfs());
            return 0;
        });
    }

    @Override
    public int flush(String path, FuseFileInfo fi) {
        return FuseCall.call("flush", path, () -> {
            client.close(files.get(fi.fh.get()));
            return 0;
        });
    }

    @Override
    public int fsync(String path, int dataOnly, FuseFileInfo fi) {
        return FuseCall.call("fsync", path, () -> {
            client.fsync(files.get(fi.fh.get()));
            return 0;
        });
    }

    @Override
    public int release(String path, FuseFileInfo fi) {
        return FuseCall.call("release", path, () -> {
            client.release(files.remove(fi.fh.get()));
            return 0;
        });
    }

    @Override
    public int opendir(String path, FuseFileInfo fi) {
        return FuseCall.call("opendir", path, () -> {
            Attributes a = paths.attributes(path, caller());
            if (!a.isDirectory()) {
                throw new FsException(Errno.ENOTDIR, path + " is not a directory");
            }
            fi.fh.set(dirs.add(new DirStream(client, a.inode(), caller())));
            return 0;
        });
    }

    @Override
    public int readdir(String path, Pointer buf, FuseFillDir filler, long offset, FuseFileInfo fi) {
        return FuseCall.call("readdir", path, () -> {
            FileStat stat = new FileStat(Runtime.getSystemRuntime());
            dirs.get(fi.fh.get()).fill(offset, (name, inode, formatBits, next) -> {
                StatFiller.fillEntry(stat, inode, formatBits);
                return filler.apply(buf, name, stat, next) != 0;
            });
            return 0;
        });
    }

    @Override
    public int releasedir(String path, FuseFileInfo fi) {
        return FuseCall.call("releasedir", path, () -> {
            dirs.remove(fi.fh.get());
            return 0;
        });
    }

    @Override
    public int fsyncdir(String path, FuseFileInfo fi) {
        return FuseCall.call("fsyncdir", path, () -> {
            client.syncNamespace();
            return 0;
        });
    }

    @Override
    public int access(String path, int mask) {
        return FuseCall.call("access", path, () -> {
            client.access(paths.inode(path, caller()), mask, caller());
            return 0;
        });
    }

    @Override
    public int setxattr(String path, String name, Pointer value, long size, int flags) {
        return FuseCall.call("setxattr", path, () -> {
            byte[] bytes = new byte[(int) size];
            value.get(0, bytes, 0, bytes.length);
            client.setxattr(paths.inode(path, caller()), name, bytes, flags, caller());
            return 0;
        });
    }

    @Override
    public int getxattr(String path, String name, Pointer value, long size) {
        return FuseCall.call("getxattr", path, () -> {
            byte[] bytes = client.getxattr(paths.inode(path, caller()), name, caller());
            return copyOut(bytes, value, size);
        });
    }

    @Override
    public int listxattr(String path, Pointer list, long size) {
        return FuseCall.call("listxattr", path, () -> {
            java.io.ByteArrayOutputStream names = new java.io.ByteArrayOutputStream();
            for (String name : client.listxattr(paths.inode(path, caller()), caller())) {
                names.writeBytes(name.getBytes(StandardCharsets.UTF_8));
                names.write(0);
            }
            return copyOut(names.toByteArray(), list, size);
        });
    }

    @Override
    public int removexattr(String path, String name) {
        return FuseCall.call("removexattr", path, () -> {
            client.removexattr(paths.inode(path, caller()), name, caller());
            return 0;
        });
    }

    /**
     * libfuse's data buffer of a read or write as a direct ByteBuffer (made by JNI; Netty's own
     * wrapper of a native address needs sun.misc.Unsafe): data goes straight between it and the
     * client's buffers, one copy and no garbage per call.
     */
    private static ByteBuffer fuseBuffer(Pointer buf, long size) {
        return MemoryIO.getInstance().newDirectByteBuffer(buf.address(), (int) size);
    }

    /** The getxattr/listxattr contract: size 0 asks for the length; a buffer too small is ERANGE. */
    private static int copyOut(byte[] bytes, Pointer buffer, long size) throws FsException {
        if (size == 0) {
            return bytes.length;
        }
        if (size < bytes.length) {
            throw new FsException(Errno.ERANGE, "buffer of " + size + " bytes for " + bytes.length);
        }
        buffer.put(0, bytes, 0, bytes.length);
        return bytes.length;
    }

    private int opened(FuseFileInfo fi, FileHandle handle) {
        fi.fh.set(files.add(handle));
        if (pageCache.unchangedSinceLastOpen(handle.openedWith())) {
            FileInfoBits.keepCache(fi);
        }
        return 0;
    }

    private int setattr(String path, AttrChanges changes) throws FsException {
        client.setattr(paths.inode(path, caller()), changes, caller());
        return 0;
    }

    private Caller caller() {
        FuseContext context = getContext();
        return callers.of(context.pid.intValue(), context.uid.intValue(), context.gid.intValue());
    }

    private static long nanos(Timespec t) {
        return t.tv_sec.get() * 1_000_000_000L + t.tv_nsec.longValue();
    }
}
