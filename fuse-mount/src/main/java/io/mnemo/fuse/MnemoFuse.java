package io.mnemo.fuse;

import com.google.common.util.concurrent.Striped;
import io.mnemo.core.client.FileHandle;
import io.mnemo.core.client.MnemoClient;
import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.AttrChanges;
import io.mnemo.core.model.Attributes;
import io.mnemo.core.model.Caller;
import io.mnemo.core.model.FileType;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.model.Name;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;

/**
 * The file system operations of a mount: each request's arguments, one call into
 * {@link MnemoClient}, the reply. A kernel node id is our inode number (the root is 1 in
 * both), so nothing maps between them. Requests arrive on many workers at once; all shared
 * state lives in the client and the handle tables, which are safe for that.
 */
final class MnemoFuse implements FuseSession.Handler {
    private static final int O_EXCL = 0200;
    /** {@code __O_TMPFILE | O_DIRECTORY}. */
    private static final int O_TMPFILE = 020200000;
    private static final int FATTR_MODE = 1;
    private static final int FATTR_UID = 1 << 1;
    private static final int FATTR_GID = 1 << 2;
    private static final int FATTR_SIZE = 1 << 3;
    private static final int FATTR_FH = 1 << 6;
    /** In a WRITE's write_flags: the writer lacks CAP_FSETID, so the set-id bits must go. */
    private static final int WRITE_KILL_SUIDGID = 1 << 2;
    private static final int FATTR_ATIME = 1 << 4;
    private static final int FATTR_MTIME = 1 << 5;
    private static final int FATTR_ATIME_NOW = 1 << 7;
    private static final int FATTR_MTIME_NOW = 1 << 8;
    private static final int FOPEN_KEEP_CACHE = 1 << 1;
    private static final int FOPEN_NOFLUSH = 1 << 5;
    private static final int O_ACCMODE = 03;
    private static final long NANOS = 1_000_000_000L;
    private static final int ENTRY_OUT_BYTES = 128; // sizeof(struct fuse_entry_out)
    private static final byte[] NO_ENTRY = new byte[ENTRY_OUT_BYTES];

    private final MnemoClient client;
    private final MountOptions options;
    private final MountProbe probe;
    private final Callers callers = new Callers();
    private final PageCachePolicy pageCache = new PageCachePolicy();
    private final KernelNotices notices;
    /** Held while an open fills the page cache, and by opens and truncates that must not overlap one. */
    private final Striped<Lock> pageCacheLocks = Striped.lock(64);
    private final AtomicLong handleNumbers = new AtomicLong(1);
    private final Handles<FileHandle> files = new Handles<>(handleNumbers);
    private final Handles<DirStream> dirs = new Handles<>(handleNumbers);

    MnemoFuse(MnemoClient client, MountOptions options, MountProbe probe, KernelNotices notices) {
        this.client = client;
        this.notices = notices;
        this.options = options;
        this.probe = probe;
    }

    /**
     * Answers a request. A request for a node that no longer exists fails with ESTALE rather than
     * ENOENT: the kernel reached it through a name it had cached, which another mount (or a rename
     * here) has since pointed elsewhere, and on ESTALE it looks the name up afresh and tries once
     * more. So an {@code open} racing a {@code rename} over the name opens the new file, never
     * fails, as on a local file system. Requests that name an entry keep ENOENT: there it means
     * the name is missing.
     */
    @Override
    public void handle(FuseRequest req, FuseReply reply) throws Exception {
        try {
            dispatch(req, reply);
        } catch (FsException e) {
            if (e.errno() == Errno.ENOENT && addressesANodeOnly(req.opcode())) {
                throw new FsException(Errno.ESTALE, e.reason());
            }
            throw e;
        }
    }

    private static boolean addressesANodeOnly(int opcode) {
        return switch (opcode) {
            case FuseOpcodes.GETATTR, FuseOpcodes.SETATTR, FuseOpcodes.READLINK, FuseOpcodes.OPEN,
                    FuseOpcodes.OPENDIR, FuseOpcodes.ACCESS, FuseOpcodes.SETXATTR, FuseOpcodes.GETXATTR,
                    FuseOpcodes.LISTXATTR, FuseOpcodes.REMOVEXATTR -> true;
            default -> false;
        };
    }

    private void dispatch(FuseRequest req, FuseReply reply) throws Exception {
        InodeId node = new InodeId(req.nodeid());
        switch (req.opcode()) {
            case FuseOpcodes.LOOKUP -> lookup(req, reply, node);
            case FuseOpcodes.GETATTR -> attr(reply, client.getattr(node));
            case FuseOpcodes.SETATTR -> setattr(req, reply, node);
            case FuseOpcodes.READLINK -> reply.bytes(client.readlink(node).getBytes(StandardCharsets.UTF_8));
            case FuseOpcodes.SYMLINK -> {
                Name name = req.name();
                entry(reply, client.symlink(node, name, req.string(), caller(req)));
            }
            case FuseOpcodes.MKNOD -> {
                int mode = req.u32();
                int rdev = req.u32();
                req.skip(8); // umask (already applied by the kernel), padding
                entry(reply, client.mknod(node, req.name(), FileType.fromMode(mode), mode, rdev, caller(req)));
            }
            case FuseOpcodes.MKDIR -> {
                int mode = req.u32();
                req.skip(4); // umask
                entry(reply, client.mkdir(node, req.name(), mode, caller(req)));
            }
            case FuseOpcodes.UNLINK -> client.unlink(node, req.name(), caller(req));
            case FuseOpcodes.RMDIR -> client.rmdir(node, req.name(), caller(req));
            case FuseOpcodes.RENAME -> rename(req, node, req.u64(), 0);
            case FuseOpcodes.RENAME2 -> {
                long newDir = req.u64();
                int flags = req.u32();
                req.skip(4);
                rename(req, node, newDir, flags);
            }
            case FuseOpcodes.LINK -> {
                InodeId existing = new InodeId(req.u64());
                entry(reply, client.link(existing, node, req.name(), caller(req)));
            }
            case FuseOpcodes.OPEN -> {
                int flags = req.u32();
                opened(reply, client.open(node, flags, false, caller(req)));
            }
            case FuseOpcodes.CREATE -> create(req, reply, node);
            case FuseOpcodes.TMPFILE -> tmpfile(req, reply, node);
            case FuseOpcodes.READ -> read(req, reply);
            case FuseOpcodes.WRITE -> write(req, reply);
            case FuseOpcodes.STATFS -> StatFiller.statfs(reply, client.statfs());
            case FuseOpcodes.FLUSH -> client.close(files.get(req.u64()));
            case FuseOpcodes.RELEASE -> client.release(files.remove(req.u64()));
            case FuseOpcodes.FSYNC -> client.fsync(files.get(req.u64()));
            case FuseOpcodes.FALLOCATE -> {
                FileHandle handle = files.get(req.u64());
                long offset = req.u64();
                long length = req.u64();
                client.fallocate(handle, req.u32(), offset, length);
            }
            case FuseOpcodes.OPENDIR -> opendir(req, reply, node);
            case FuseOpcodes.READDIR -> readdir(req, reply, false);
            case FuseOpcodes.READDIRPLUS -> readdir(req, reply, true);
            case FuseOpcodes.RELEASEDIR -> dirs.remove(req.u64());
            case FuseOpcodes.FSYNCDIR -> client.syncNamespace();
            case FuseOpcodes.ACCESS -> client.access(node, req.u32(), caller(req));
            case FuseOpcodes.SETXATTR -> {
                int size = req.u32();
                int flags = req.u32();
                String name = req.string();
                client.setxattr(node, name, req.bytes(size), flags, caller(req));
            }
            case FuseOpcodes.GETXATTR -> {
                int size = req.u32();
                req.skip(4);
                sized(reply, size, client.getxattr(node, req.string(), caller(req)));
            }
            case FuseOpcodes.LISTXATTR -> {
                int size = req.u32();
                ByteArrayOutputStream names = new ByteArrayOutputStream();
                for (String name : client.listxattr(node, caller(req))) {
                    names.writeBytes(name.getBytes(StandardCharsets.UTF_8));
                    names.write(0);
                }
                sized(reply, size, names.toByteArray());
            }
            case FuseOpcodes.REMOVEXATTR -> client.removexattr(node, req.string(), caller(req));
            default -> throw new FsException(Errno.ENOSYS, "FUSE op " + req.opcode() + " is not supported");
        }
    }

    private void lookup(FuseRequest req, FuseReply reply, InodeId parent) throws FsException {
        Name name = req.name();
        if (parent.equals(InodeId.ROOT)) {
            probe.check(name);
        }
        try {
            entry(reply, client.lookup(parent, name, caller(req)));
        } catch (FsException e) {
            if (e.errno() != Errno.ENOENT || options.negativeTimeout().isZero()) {
                throw e;
            }
            StatFiller.negativeEntry(reply, options.negativeTimeout());
        }
    }

    /**
     * A truncate waits for a page cache being filled at open (see {@link #filledPageCache}); one
     * through a handle (ftruncate) needs no write permission, which the handle's open checked.
     */
    private void setattr(FuseRequest req, FuseReply reply, InodeId node) throws FsException {
        int valid = req.u32();
        req.skip(4); // padding
        long fh = req.u64();
        AttrChanges changes = changes(req, valid);
        FileHandle handle = (valid & FATTR_FH) != 0 ? files.get(fh) : null;
        Lock lock = changes.sizeBytes() != null ? pageCacheLocks.get(node) : null;
        if (lock != null) {
            lock.lock();
        }
        try {
            attr(reply, handle != null ? client.setattr(handle, changes, caller(req))
                    : client.setattr(node, changes, caller(req)));
        } finally {
            if (lock != null) {
                lock.unlock();
            }
        }
    }

    private void rename(FuseRequest req, InodeId dir, long newDir, int flags) throws FsException {
        Name from = req.name();
        Name to = req.name();
        client.rename(dir, from, new InodeId(newDir), to, flags, caller(req));
    }

    private void create(FuseRequest req, FuseReply reply, InodeId parent) throws FsException {
        int flags = req.u32();
        int mode = req.u32();
        req.skip(8); // umask (already applied by the kernel), open_flags
        FileHandle handle = client.createAndOpen(parent, req.name(), mode, flags, (flags & O_EXCL) != 0, caller(req));
        entry(reply, handle.openedWith());
        opened(reply, handle);
    }

    /** {@code open(dir, O_TMPFILE)}: as CREATE, with the name ("/") the kernel sends left unread. */
    private void tmpfile(FuseRequest req, FuseReply reply, InodeId dir) throws FsException {
        int flags = req.u32();
        int mode = req.u32();
        FileHandle handle = client.createTmpfile(dir, mode, flags & ~O_TMPFILE, (flags & O_EXCL) == 0, caller(req));
        entry(reply, handle.openedWith());
        opened(reply, handle);
    }

    private void read(FuseRequest req, FuseReply reply) throws FsException {
        long fh = req.u64();
        long offset = req.u64();
        int size = req.u32();
        ByteBuffer window = reply.window(size);
        reply.advance(client.read(files.get(fh), offset, window));
    }

    private void write(FuseRequest req, FuseReply reply) throws FsException {
        long fh = req.u64();
        long offset = req.u64();
        int size = req.u32();
        int writeFlags = req.u32();
        req.skip(16); // lock_owner, flags, padding
        FileHandle handle = files.get(fh);
        if ((writeFlags & WRITE_KILL_SUIDGID) != 0 && client.dropSetIdBitsForWrite(handle)) {
            notices.dropAttributes(handle.inode().value()); // its cached mode still has them
        }
        client.write(handle, offset, Unpooled.wrappedBuffer(req.slice(size)));
        pageCache.sizeShown(handle.inode(), offset + size); // where the kernel put the pages
        reply.u32(size).u32(0);
    }

    /** The root is its own parent; for any other inode, finding the parent also checks it is a directory. */
    private void opendir(FuseRequest req, FuseReply reply, InodeId dir) throws FsException {
        InodeId parent = dir.equals(InodeId.ROOT) ? dir : client.parentOf(dir);
        reply.u64(dirs.add(new DirStream(client, dir, parent, caller(req)))).u32(0).u32(0);
    }

    /**
     * {@code fuse_dirent} records, each padded to 8 bytes, as many as fit in the size asked for; for
     * READDIRPLUS ({@code plus}) each after a {@code fuse_entry_out}, so that the kernel needs no
     * LOOKUP per name ({@code ls -l}, {@code find}, {@code du}). An entry without attributes ("."
     * and "..") gets an all-zero one, which the kernel skips.
     */
    private void readdir(FuseRequest req, FuseReply reply, boolean plus) throws FsException {
        long fh = req.u64();
        long offset = req.u64();
        int size = Math.min(req.u32(), reply.remaining());
        dirs.get(fh).fill(offset, plus, (bytes, inode, formatBits, next, attributes) -> {
            int record = ((plus ? ENTRY_OUT_BYTES : 0) + 24 + bytes.length + 7) & ~7;
            if (reply.argumentBytes() + record > size) {
                return true;
            }
            if (plus && attributes != null) {
                entry(reply, attributes);
            } else if (plus) {
                reply.bytes(NO_ENTRY);
            }
            reply.u64(inode).u64(next).u32(bytes.length).u32(formatBits >>> 12).bytes(bytes);
            for (int pad = record - (plus ? ENTRY_OUT_BYTES : 0) - 24 - bytes.length; pad > 0; pad--) {
                reply.buffer().put((byte) 0);
            }
            return false;
        });
    }

    /** The changes a SETATTR asks for, read from after its {@code valid}, padding and {@code fh}. */
    private AttrChanges changes(FuseRequest req, int valid) {
        long size = req.u64();
        req.skip(8); // lock_owner
        long atime = req.u64();
        long mtime = req.u64();
        req.skip(8); // ctime
        int atimeNanos = req.u32();
        int mtimeNanos = req.u32();
        req.skip(4); // ctimensec
        int mode = req.u32();
        req.skip(4);
        int uid = req.u32();
        int gid = req.u32();
        AttrChanges changes = AttrChanges.NONE;
        if ((valid & FATTR_MODE) != 0) {
            changes = changes.withMode(mode);
        }
        if ((valid & (FATTR_UID | FATTR_GID)) != 0) {
            changes = changes.withOwner((valid & FATTR_UID) != 0 ? uid : null, (valid & FATTR_GID) != 0 ? gid : null);
        }
        if ((valid & FATTR_SIZE) != 0) {
            changes = changes.withSize(size);
        }
        if ((valid & FATTR_ATIME) != 0) {
            boolean now = (valid & FATTR_ATIME_NOW) != 0;
            changes = changes.withAtime(now ? null : nanos(atime, atimeNanos), now);
        }
        if ((valid & FATTR_MTIME) != 0) {
            boolean now = (valid & FATTR_MTIME_NOW) != 0;
            changes = changes.withMtime(now ? null : nanos(mtime, mtimeNanos), now);
        }
        return changes;
    }

    /**
     * A time as nanoseconds since the epoch, clamped to what that holds (1677-09-21 to
     * 2262-04-11), as a local file system clamps a time to its own range (ext4: 1901 to 2446).
     */
    private static long nanos(long seconds, int nanos) {
        long clamped = Math.clamp(seconds, Long.MIN_VALUE / NANOS, Long.MAX_VALUE / NANOS - 1);
        return clamped * NANOS + nanos;
    }

    private void entry(FuseReply reply, Attributes a) {
        pageCache.sizeShown(a.inode(), a.sizeBytes());
        StatFiller.entry(reply, a, options.entryTimeout(), options.attrTimeout());
    }

    private void attr(FuseReply reply, Attributes a) {
        pageCache.sizeShown(a.inode(), a.sizeBytes());
        StatFiller.attrOut(reply, a, options.attrTimeout());
    }

    /**
     * {@code fuse_open_out}. The page cache is kept if the file did not change since this mount last
     * opened it; a handle opened for reading only has nothing to flush, so its close(2) costs no
     * FLUSH round trip (its RELEASE still comes, asynchronously).
     */
    private void opened(FuseReply reply, FileHandle handle) throws FsException {
        Lock lock = pageCacheLocks.get(handle.inode());
        lock.lock();
        try {
            int flags = pageCache.unchangedSinceLastOpen(handle.openedWith()) ? FOPEN_KEEP_CACHE : 0;
            if ((handle.flags() & O_ACCMODE) == 0) {
                flags |= FOPEN_NOFLUSH;
                if (filledPageCache(handle)) {
                    flags |= FOPEN_KEEP_CACHE;
                }
            }
            reply.u64(files.add(handle)).u32(flags).u32(0);
        } finally {
            lock.unlock();
        }
    }

    /**
     * A small file stored inline arrives whole with its open. If this is its only open in this
     * mount, its contents go straight into the kernel's page cache (after its old pages, if the
     * kernel may hold some past the new end), so reading it costs no READ request.
     *
     * <p>Only a sole, read-only open may do this, under the inode's {@link #pageCacheLocks} lock:
     * a writer's pages reach the page cache before its WRITE reaches us, so older contents stored
     * while another handle writes could overwrite newer pages. Another open's reply, and a
     * truncate, wait for the lock; no handle can open for writing in between.
     */
    private boolean filledPageCache(FileHandle handle) throws FsException {
        InodeId inode = handle.inode();
        int n = client.soleInlineContents(handle, notices.storeBuffer());
        if (n <= 0 || pageCache.mayHoldPagesPast(inode, n) && !notices.dropPages(inode.value())) {
            return false;
        }
        pageCache.sizeShown(inode, n);
        return notices.store(inode.value(), n);
    }

    /** The getxattr/listxattr contract: size 0 asks for the length; a buffer too small is ERANGE. */
    private static void sized(FuseReply reply, int size, byte[] bytes) throws FsException {
        if (size == 0) {
            reply.u32(bytes.length).u32(0);
        } else if (size < bytes.length) {
            throw new FsException(Errno.ERANGE, "buffer of " + size + " bytes for " + bytes.length);
        } else {
            reply.bytes(bytes);
        }
    }

    private Caller caller(FuseRequest req) {
        return callers.of(req.pid(), req.uid(), req.gid());
    }
}
