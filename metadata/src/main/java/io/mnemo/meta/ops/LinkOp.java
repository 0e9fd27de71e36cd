package io.mnemo.meta.ops;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.Name;
import io.mnemo.core.proto.LinkReq;
import io.mnemo.core.proto.MetaCommand;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.meta.store.Dentry;
import io.mnemo.meta.store.DentryKey;
import io.mnemo.meta.store.Inode;
import io.mnemo.meta.store.Schema;
import io.mnemo.meta.store.Txn;

/**
 * link: a new entry {@code new_name} in {@code new_parent} for an existing non-directory.
 * The inode gains a link and a new ctime; the directory a new mtime and ctime. The caller needs
 * search and write permission on the directory; nobody, root included, may link a directory.
 * Checks run in {@code vfs_link}'s order: EEXIST, then EACCES, then EPERM.
 *
 * <p>A file made by {@code O_TMPFILE} without {@code O_EXCL} that has no name yet gets its first
 * one here ({@code linkat} of its descriptor) and stops being an orphan.
 *
 * <p>Errors: ENOENT (also for a deleted inode kept open), ENOTDIR, EACCES, EEXIST, EPERM (a
 * directory), EMLINK, EINVAL (bad name).
 */
public final class LinkOp {
    /** Linux's limit for most file systems (ext4: 65000). */
    static final int MAX_LINKS = 65000;

    private LinkOp() {}

    public static MetaResponse apply(Txn txn, MetaCommand cmd) throws FsException {
        LinkReq req = cmd.getLink();
        Namespace ns = new Namespace(txn);
        Name name = Namespace.name(req.getNewName());
        Permissions who = Permissions.of(cmd.getCaller());
        Inode inode = ns.inode(req.getInode());
        Inode dir = ns.inode(req.getNewParent()).requireDirectory();
        who.requireSearch(dir);
        if (ns.entry(dir.id(), name).isPresent()) {
            throw new FsException(Errno.EEXIST, "'" + name + "' exists");
        }
        who.requireModifiable(dir);
        if (inode.isDirectory()) {
            throw new FsException(Errno.EPERM, "cannot hard-link a directory");
        }
        if (inode.nlink() == 0 && !inode.linkable()) {
            throw new FsException(Errno.ENOENT, inode.id() + " has been deleted");
        }
        if (inode.nlink() >= MAX_LINKS) {
            throw new FsException(Errno.EMLINK, inode.id() + " has too many links");
        }
        long now = cmd.getNowNs();
        Inode linked = inode.withNlink(inode.nlink() + 1).withCtime(now);
        txn.put(Schema.DENTRY, new DentryKey(dir.id(), name), new Dentry(inode.id(), inode.type()));
        txn.put(Schema.INODE, inode.id(), linked);
        if (inode.linkable()) {
            txn.delete(Schema.ORPHAN, inode.id()); // named now: no longer the collector's
        }
        txn.put(Schema.INODE, dir.id(), dir.withContentsChanged(now));
        return Replies.attr(linked);
    }
}
