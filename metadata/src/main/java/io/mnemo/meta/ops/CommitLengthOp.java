package io.mnemo.meta.ops;

import io.mnemo.core.error.FsException;
import io.mnemo.core.proto.CommitLengthReq;
import io.mnemo.core.proto.MetaCommand;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.meta.store.Inode;
import io.mnemo.meta.store.Schema;
import io.mnemo.meta.store.Txn;

/**
 * After chunk writes (flush, fsync, close): the file is at least {@code size} bytes long, and
 * with {@code touch_mtime} it was modified now (mtime and ctime become the command's time).
 * A shorter size never shrinks the file: only setattr truncates. A write by anybody but root
 * drops S_ISUID, and S_ISGID if group-executable, as Linux's {@code file_remove_privs} does, so
 * the command must carry the writer as its caller; {@code touch_mtime} is what marks a write.
 * No permission is checked: the writer was checked when it opened the file. A deleted inode
 * that is still open (nlink 0) takes writes too.
 *
 * <p>Errors: ENOENT, EISDIR (a directory), EINVAL (another non-regular file).
 */
public final class CommitLengthOp {
    private CommitLengthOp() {}

    public static MetaResponse apply(Txn txn, MetaCommand cmd) throws FsException {
        CommitLengthReq req = cmd.getCommitLength();
        Inode inode = new Namespace(txn).inode(req.getInode()).requireRegular();
        Inode updated = inode;
        if (req.getSize() > inode.attributes().sizeBytes()) {
            updated = updated.withSize(req.getSize());
        }
        if (req.getTouchMtime()) {
            updated = updated.withMtime(cmd.getNowNs()).withCtime(cmd.getNowNs());
            updated = updated.withMode(Permissions.of(cmd.getCaller()).modeAfterWrite(updated));
        }
        if (!updated.equals(inode)) {
            txn.put(Schema.INODE, updated.id(), updated);
        }
        return Replies.attr(updated);
    }
}
