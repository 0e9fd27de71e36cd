package io.mnemo.meta.ops;

import com.google.protobuf.ByteString;
import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.Attributes;
import io.mnemo.core.model.FileType;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.model.Layout;
import io.mnemo.core.model.Name;
import io.mnemo.core.proto.CreateReq;
import io.mnemo.core.proto.MetaCommand;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.core.proto.Protos;
import io.mnemo.meta.cluster.LayoutPolicy;
import io.mnemo.meta.cluster.LayoutSpec;
import io.mnemo.meta.store.Dentry;
import io.mnemo.meta.store.DentryKey;
import io.mnemo.meta.store.Inode;
import io.mnemo.meta.store.Schema;
import io.mnemo.meta.store.Txn;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * create, mkdir, symlink, mknod (fifo, devices, sockets): a new inode named {@code name} in
 * {@code parent}, with the id, time and (for a regular file) layout the command carries, owned
 * by the caller (the group is the parent's instead when the parent is set-gid). The parent's
 * mtime and ctime change; a new directory adds one link to its parent. The caller needs search
 * permission on the parent, and write permission too unless the name exists.
 *
 * <p>Layouts, as Lustre's stripe settings: a directory's {@code user.mnemo.layout} (a
 * {@link LayoutSpec}) overrides, key by key, the default layout the command carries for the
 * regular files created in it (see {@link LayoutPolicy#withSpec}), and a new subdirectory starts
 * with a copy of its parent's, so layouts pass down the tree as it grows; changing a directory's
 * layout later changes nothing below it that exists. With inline storage on, a new regular file
 * starts inline (its bytes in the metadata store until it outgrows the inline threshold); it
 * gets its layout all the same, ready for when it moves to chunks.
 *
 * <p>A non-exclusive create of a name that exists answers the existing inode (open with
 * {@code O_CREAT}; the open itself checks the file's permissions), or EISDIR if it is a
 * directory. Errors: ENOENT (no parent, empty symlink target), ENOTDIR, EACCES, EEXIST, EISDIR,
 * EINVAL (bad name or type), ENAMETOOLONG (a name over 255 bytes, a symlink target over 4095),
 * ENOSPC (a regular file without a layout: no data nodes).
 *
 * <p>With {@code tmpfile} ({@code O_TMPFILE}) the new regular file gets no name at all; see
 * {@link #tmpfile}.
 *
 * <p>Formatting is a create too: {@code parent} 0 with {@code new_inode} 1 makes the root
 * directory, once.
 */
public final class CreateOp {
    /** Linux's PATH_MAX (4096) less the terminating NUL. */
    static final int MAX_SYMLINK_BYTES = 4095;

    private CreateOp() {}

    /** @param inlineFiles whether new regular files start inline */
    public static MetaResponse apply(Txn txn, MetaCommand cmd, boolean inlineFiles) throws FsException {
        CreateReq req = cmd.getCreate();
        if (req.getParent() == 0) {
            return formatRoot(txn, cmd);
        }
        if (req.getTmpfile()) {
            return tmpfile(txn, cmd, inlineFiles);
        }
        Namespace ns = new Namespace(txn);
        Name name = Namespace.name(req.getName());
        FileType type = type(req.getType());
        // symlink(2) copies its target in before it looks at any directory.
        String target = type == FileType.SYMLINK ? symlinkTarget(req) : null;
        Permissions who = Permissions.of(cmd.getCaller());
        Inode parent = ns.inode(req.getParent()).requireDirectory();
        who.requireSearch(parent);
        Optional<Dentry> existing = ns.entry(parent.id(), name);
        if (existing.isPresent()) {
            return existing(ns, req, type, existing.get(), name);
        }
        who.requireModifiable(parent);
        InodeId id = newInodeId(txn, cmd);
        long now = cmd.getNowNs();
        Layout layout = null;
        long size = 0;
        switch (type) {
            case REGULAR -> layout = regularLayout(txn, cmd, parent, id);
            case SYMLINK -> size = target.getBytes(StandardCharsets.UTF_8).length;
            default -> { }
        }
        boolean dir = type == FileType.DIRECTORY;
        int rdev = type == FileType.CHAR_DEVICE || type == FileType.BLOCK_DEVICE ? req.getRdev() : 0;
        Inode inode = new Inode(owned(id, type, req.getMode(), parent, who, dir ? 2 : 1, size, now, rdev, layout, target),
                dir ? parent.id() : null,
                type == FileType.REGULAR && inlineFiles);

        txn.put(Schema.INODE, id, inode);
        if (dir) {
            txn.get(Schema.XATTR, Xattrs.layoutKey(parent.id()))
                    .ifPresent(spec -> txn.put(Schema.XATTR, Xattrs.layoutKey(id), spec));
        }
        txn.put(Schema.DENTRY, new DentryKey(parent.id(), name), new Dentry(id, type));
        Inode updatedParent = parent.withContentsChanged(now);
        txn.put(Schema.INODE, parent.id(), dir ? updatedParent.withNlink(parent.nlink() + 1) : updatedParent);
        return created(txn, inode);
    }

    /**
     * {@code O_TMPFILE}: a regular file in {@code parent}'s file system but in no directory, as
     * ext4 makes one: no entry, nlink 0, the parent unchanged. Until it has a name it is an
     * orphan like an unlinked open file (the open that comes with it holds it), and unless the
     * create was exclusive it is linkable: {@link LinkOp} may give it a name. The caller needs
     * write and search permission on {@code parent}, as {@code vfs_tmpfile} asks.
     */
    private static MetaResponse tmpfile(Txn txn, MetaCommand cmd, boolean inlineFiles) throws FsException {
        CreateReq req = cmd.getCreate();
        if (req.getType() != FileType.REGULAR.ordinal()) {
            throw new FsException(Errno.EINVAL, "O_TMPFILE makes regular files only");
        }
        Permissions who = Permissions.of(cmd.getCaller());
        Inode parent = new Namespace(txn).inode(req.getParent()).requireDirectory();
        who.requireModifiable(parent);
        InodeId id = newInodeId(txn, cmd);
        Layout layout = regularLayout(txn, cmd, parent, id);
        Inode inode = new Inode(owned(id, FileType.REGULAR, req.getMode(), parent, who, 0, 0, cmd.getNowNs(), 0, layout,
                null), null, inlineFiles, !req.getExclusive());
        txn.put(Schema.INODE, id, inode);
        txn.put(Schema.ORPHAN, id, layout);
        return created(txn, inode);
    }

    /** The layout of a new regular file {@code id} in {@code parent}: ENOSPC without data nodes. */
    private static Layout regularLayout(Txn txn, MetaCommand cmd, Inode parent, InodeId id) throws FsException {
        if (!cmd.hasNewLayout()) {
            throw new FsException(Errno.ENOSPC, "no data nodes registered");
        }
        return layoutIn(txn, parent, id, layout(cmd));
    }

    /**
     * A new inode's attributes, owned by the caller: the group is the parent's instead when the
     * parent is set-gid, and the mode is as {@link #mode} makes it. A regular file starts with
     * nothing written.
     */
    private static Attributes owned(InodeId id, FileType type, int requestedMode, Inode parent, Permissions who,
            int nlink, long size, long now, int rdev, Layout layout, String target) {
        boolean inheritGroup = (parent.attributes().mode() & Permissions.S_ISGID) != 0;
        int gid = inheritGroup ? parent.attributes().gid() : who.gid();
        return new Attributes(id, type, mode(type, requestedMode, inheritGroup, gid, who), who.uid(), gid, nlink, size,
                now, now, now, rdev, layout, target, type == FileType.REGULAR ? 0 : -1);
    }

    /**
     * Counts the new inode and answers it, with an inline file's (empty) contents, so that a
     * create-and-open needs no open's read.
     */
    private static MetaResponse created(Txn txn, Inode inode) {
        Links.created(txn, inode);
        return Replies.attr(new Namespace.Stored(inode, inode.inline() ? ByteString.EMPTY : null));
    }

    /**
     * The new inode's mode, as Linux's {@code vfs_mkdir} and {@code inode_init_owner} make it:
     * symlinks are 0777; mkdir keeps only permissions and the sticky bit; below a set-gid
     * directory the group is the directory's, a new directory is set-gid too, and a new
     * set-gid executable of a caller outside that group loses its set-gid.
     */
    private static int mode(FileType type, int requested, boolean inheritGroup, int gid, Permissions who) {
        if (type == FileType.SYMLINK) {
            return 0777;
        }
        int mode = requested & 07777;
        if (type == FileType.DIRECTORY) {
            mode &= 01777;
            return inheritGroup ? mode | Permissions.S_ISGID : mode;
        }
        int setgidExec = Permissions.S_ISGID | Permissions.S_IXGRP;
        if (inheritGroup && (mode & setgidExec) == setgidExec && !who.isRoot() && !who.inGroup(gid)) {
            mode &= ~Permissions.S_ISGID;
        }
        return mode;
    }

    /** A symlink's target: ENOENT if empty, ENAMETOOLONG beyond {@value #MAX_SYMLINK_BYTES} bytes. */
    private static String symlinkTarget(CreateReq req) throws FsException {
        String target = req.getSymlinkTarget();
        if (target.isEmpty()) {
            throw new FsException(Errno.ENOENT, "empty symlink target");
        }
        if (target.getBytes(StandardCharsets.UTF_8).length > MAX_SYMLINK_BYTES) {
            throw new FsException(Errno.ENAMETOOLONG, "symlink target longer than " + MAX_SYMLINK_BYTES + " bytes");
        }
        return target;
    }

    private static MetaResponse existing(Namespace ns, CreateReq req, FileType type, Dentry entry, Name name)
            throws FsException {
        if (req.getExclusive() || type != FileType.REGULAR) {
            throw new FsException(Errno.EEXIST, "'" + name + "' exists");
        }
        Inode inode = ns.inode(entry.child()).requireNotDirectory();
        return Replies.attr(inode);
    }

    private static MetaResponse formatRoot(Txn txn, MetaCommand cmd) throws FsException {
        CreateReq req = cmd.getCreate();
        if (cmd.getNewInode() != InodeId.ROOT.value() || req.getType() != FileType.DIRECTORY.ordinal()) {
            throw new FsException(Errno.EINVAL, "parent 0 only formats the root directory");
        }
        if (txn.get(Schema.INODE, InodeId.ROOT).isPresent()) {
            throw new FsException(Errno.EEXIST, "the namespace is already formatted");
        }
        long now = cmd.getNowNs();
        Inode root = new Inode(new Attributes(InodeId.ROOT, FileType.DIRECTORY, req.getMode() & 07777,
                cmd.getCaller().getUid(), cmd.getCaller().getGid(), 2, 0, now, now, now, 0, null, null), InodeId.ROOT);
        txn.put(Schema.INODE, InodeId.ROOT, root);
        txn.put(Schema.FORMAT_VERSION_CELL, Schema.FORMAT_VERSION);
        Links.created(txn, root);
        return Replies.attr(root);
    }

    private static InodeId newInodeId(Txn txn, MetaCommand cmd) throws FsException {
        if (cmd.getNewInode() <= InodeId.ROOT.value()) {
            throw new FsException(Errno.EINVAL, "command carries no new inode id");
        }
        InodeId id = new InodeId(cmd.getNewInode());
        if (txn.get(Schema.INODE, id).isPresent()) {
            // The leader allocates ids above every id ever applied; a clash means it did not.
            throw new FsException(Errno.EIO, id + " is already in use");
        }
        return id;
    }

    private static FileType type(int ordinal) throws FsException {
        try {
            return Protos.fileType(ordinal);
        } catch (IllegalArgumentException e) {
            throw new FsException(Errno.EINVAL, e.getMessage());
        }
    }

    /** The layout of a new regular file in {@code dir}: the directory's own, over the default {@code base}. */
    private static Layout layoutIn(Txn txn, Inode dir, InodeId id, Layout base) throws FsException {
        Optional<LayoutSpec> spec = Xattrs.layoutOf(txn, dir.id());
        if (spec.isEmpty()) {
            return base;
        }
        return LayoutPolicy.withSpec(txn, id, spec.get(), base)
                .orElseThrow(() -> new FsException(Errno.ENOSPC, "no chains to place " + id + " on"));
    }

    private static Layout layout(MetaCommand cmd) throws FsException {
        try {
            return Protos.fromMsg(cmd.getNewLayout());
        } catch (IllegalArgumentException e) {
            throw new FsException(Errno.EINVAL, "bad layout: " + e.getMessage());
        }
    }
}
