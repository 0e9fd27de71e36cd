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
 * The parent's mtime and ctime change. unlink drops one link of the target and changes its ctime
 * (at zero links a regular file becomes an orphan, see {@link Links#dropFileLink}); rmdir deletes
 * the empty directory and one link of the parent. The caller needs search and write permission
 * on the parent and, if it is sticky, must own the parent or the target. Checks run in
 * {@code may_delete}'s order: ENOENT, EACCES, EPERM, then the type.
 *
 * <p>Errors: ENOENT, EACCES, EPERM (sticky directory), ENOTDIR (parent, or rmdir of a
 * non-directory), EISDIR (unlink of a directory), ENOTEMPTY, EBUSY (the root, addressed as
 * {@code parent} 0), EINVAL (bad name).
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
        Permissions who = Permissions.of(cmd.getCaller());
        Inode parent = ns.inode(req.getParent()).requireDirectory();
        who.requireSearch(parent);
        Dentry entry = ns.requireEntry(parent.id(), name);
        Inode target = ns.inode(entry.child());
        who.requireMayRemove(parent, target);
        long now = cmd.getNowNs();
        Inode updatedParent = parent.withContentsChanged(now);
        if (req.getDirectory()) {
            target.requireDirectory();
            if (entry.child().equals(InodeId.ROOT)) {
                throw new FsException(Errno.EBUSY, "the root cannot be removed");
            }
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
