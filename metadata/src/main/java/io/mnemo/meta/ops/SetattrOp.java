package io.mnemo.meta.ops;

import io.mnemo.core.error.FsException;
import io.mnemo.core.proto.MetaCommand;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.core.proto.SetattrReq;
import io.mnemo.meta.store.Inode;
import io.mnemo.meta.store.Schema;
import io.mnemo.meta.store.Txn;

/**
 * chmod, chown, truncate and utimens: changes the attributes whose {@code has_*} flag is set.
 * {@code *_now} means the command's time. Any change sets ctime; a size change (truncate) also
 * sets mtime. Only the recorded size changes here: cutting the chunks on the data nodes is the
 * client's business.
 *
 * <p>Errors: ENOENT, EISDIR (size of a directory), EINVAL (size of a non-regular file).
 */
public final class SetattrOp {
    private SetattrOp() {}

    public static MetaResponse apply(Txn txn, MetaCommand cmd) throws FsException {
        SetattrReq req = cmd.getSetattr();
        Inode inode = new Namespace(txn).inode(req.getInode());
        long now = cmd.getNowNs();
        if (req.getHasSize()) {
            inode = inode.requireRegular().withSize(req.getSize()).withMtime(now);
        }
        if (req.getHasMode()) {
            inode = inode.withMode(req.getMode());
        }
        if (req.getHasUid()) {
            inode = inode.withOwner(req.getUid(), inode.attributes().gid());
        }
        if (req.getHasGid()) {
            inode = inode.withOwner(inode.attributes().uid(), req.getGid());
        }
        if (req.getHasAtime() || req.getAtimeNow()) {
            inode = inode.withAtime(req.getAtimeNow() ? now : req.getAtimeNs());
        }
        if (req.getHasMtime() || req.getMtimeNow()) {
            inode = inode.withMtime(req.getMtimeNow() ? now : req.getMtimeNs());
        }
        boolean changes = req.getHasSize() || req.getHasMode() || req.getHasUid() || req.getHasGid()
                || req.getHasAtime() || req.getAtimeNow() || req.getHasMtime() || req.getMtimeNow();
        if (changes) {
            inode = inode.withCtime(now);
            txn.put(Schema.INODE, inode.id(), inode);
        }
        return Replies.attr(inode);
    }
}
