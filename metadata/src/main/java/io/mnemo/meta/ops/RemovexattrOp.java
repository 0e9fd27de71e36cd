package io.mnemo.meta.ops;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.proto.MetaCommand;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.core.proto.RemovexattrReq;
import io.mnemo.meta.store.Inode;
import io.mnemo.meta.store.Schema;
import io.mnemo.meta.store.Txn;

/**
 * removexattr: removes attribute {@code name} of {@code inode}; the inode's ctime changes. It
 * needs what setting the attribute needs (see {@link Xattrs}).
 *
 * <p>{@code user.mnemo.layout} of a regular file is its layout, which it cannot be without
 * (EINVAL); a directory's is an ordinary attribute, whose removal makes its new files take the
 * defaults again.
 *
 * <p>Errors: ERANGE (a name of 0 or over 255 bytes), EINVAL (also the layout of a regular file),
 * ENOENT, EPERM, EACCES, ENOTSUP, ENODATA (no such attribute).
 */
public final class RemovexattrOp {
    private RemovexattrOp() {}

    public static MetaResponse apply(Txn txn, MetaCommand cmd) throws FsException {
        RemovexattrReq req = cmd.getRemovexattr();
        Xattrs.Name name = Xattrs.Name.of(req.getName());
        Permissions who = Permissions.of(cmd.getCaller());
        Inode inode = new Namespace(txn).inode(req.getInode());
        Xattrs.requireWritable(who, inode, name);
        name.requireSupported();
        if (name.isLayout() && inode.attributes().isRegular()) {
            throw new FsException(Errno.EINVAL, "a regular file cannot be without a layout: " + inode.id()
                    + " keeps its " + name.text());
        }
        byte[] key = name.key(inode);
        if (txn.get(Schema.XATTR, key).isEmpty()) {
            throw Xattrs.absent(inode, name);
        }
        txn.delete(Schema.XATTR, key);
        txn.put(Schema.INODE, inode.id(), inode.withCtime(cmd.getNowNs()));
        return Replies.ok();
    }
}
