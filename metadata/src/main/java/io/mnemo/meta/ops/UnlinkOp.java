package io.mnemo.meta.ops;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.model.Name;
import io.mnemo.core.proto.MetaCommand;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.core.proto.UnlinkReq;
import io.mnemo.meta.store.Dentry;
import io.mnemo.meta.store.DentryKey;
import io.mnemo.meta.store.Inode;
import io.mnemo.meta.store.Schema;
import io.mnemo.meta.store.Txn;

/**
 * unlink and rmdir ({@code directory} set): removes the entry {@code name} of {@code parent}.
 * The parent's mtime and ctime change. unlink drops one link of the target (at zero the inode
 * is deleted and a regular file becomes an orphan whose chunks the collector deletes); rmdir
 * deletes the empty directory and one link of the parent.
 *
 * <p>Errors: ENOENT, ENOTDIR (parent, or rmdir of a non-directory), EISDIR (unlink of a
 * directory), ENOTEMPTY, EBUSY (the root, addressed as {@code parent} 0), EINVAL (bad name).
 */
public final class UnlinkOp {
    private UnlinkOp() {}

    public static MetaResponse apply(Txn txn, MetaCommand cmd) throws FsException {
        UnlinkReq req = cmd.getUnlink();
        if (req.getParent() == 0) {
            throw new FsException(Errno.EBUSY, "the root cannot be removed");
        }
        Namespace ns = new Namespace(txn);
        Name name = Namespace.name(req.getName());
        Inode parent = ns.inode(req.getParent()).requireDirectory();
        Dentry entry = ns.requireEntry(parent.id(), name);
        if (entry.child().equals(InodeId.ROOT)) {
            throw new FsException(Errno.EBUSY, "the root cannot be removed");
        }
        Inode target = ns.inode(entry.child());
        long now = cmd.getNowNs();
        Inode updatedParent = parent.withContentsChanged(now);
        if (req.getDirectory()) {
            target.requireDirectory();
            ns.requireEmpty(target);
            Links.dropDirectory(txn, target);
            updatedParent = updatedParent.withNlink(parent.nlink() - 1);
        } else {
            target.requireNotDirectory();
            Links.dropFileLink(txn, target, now);
        }
        txn.delete(Schema.DENTRY, new DentryKey(parent.id(), name));
        txn.put(Schema.INODE, parent.id(), updatedParent);
        return Replies.ok();
    }
}
