package io.mnemo.meta.ops;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.proto.MetaCommand;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.core.proto.WriteInlineReq;
import io.mnemo.meta.store.Inode;
import io.mnemo.meta.store.Schema;
import io.mnemo.meta.store.Txn;

/**
 * The write-back of a file stored inline: {@code data} becomes its whole contents, its size
 * {@code data.size()}, and its mtime and ctime the command's time. As with
 * {@link CommitLengthOp}, the command carries the writer as its caller, whose permission was
 * checked when it opened the file (so a file created read-only can still be written through the
 * handle that created it, as open(2) promises), and a write by anybody but root drops S_ISUID,
 * and S_ISGID if group-executable. A deleted inode that is still open (nlink 0) takes writes too.
 *
 * <p>Errors: ENOENT, EISDIR (a directory), EINVAL (another non-regular file, or a regular file
 * whose bytes live in chunks: the writer must write chunks and commit the length instead), EFBIG
 * ({@code data} is larger than the inline threshold: the writer moves the file to chunks).
 */
public final class WriteInlineOp {
    private WriteInlineOp() {}

    public static MetaResponse apply(Txn txn, MetaCommand cmd, int inlineThresholdBytes) throws FsException {
        WriteInlineReq req = cmd.getWriteInline();
        Inode inode = new Namespace(txn).inode(req.getInode()).requireRegular();
        if (!inode.inline()) {
            throw new FsException(Errno.EINVAL, inode.id() + " is not stored inline: its bytes live in chunks");
        }
        if (req.getData().size() > inlineThresholdBytes) {
            throw new FsException(Errno.EFBIG, req.getData().size() + " bytes do not fit inline (at most "
                    + inlineThresholdBytes + ")");
        }
        long now = cmd.getNowNs();
        Inode updated = inode.withSize(req.getData().size()).withMtime(now).withCtime(now);
        updated = updated.withMode(Permissions.of(cmd.getCaller()).modeAfterWrite(updated));
        InlineContents.write(txn, inode.id(), req.getData().toByteArray());
        txn.put(Schema.INODE, inode.id(), updated);
        return Replies.attr(updated);
    }
}
