package io.mnemo.meta.ops;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.proto.CommitLengthReq;
import io.mnemo.core.proto.MetaCommand;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.meta.store.Inode;
import io.mnemo.meta.store.Schema;
import io.mnemo.meta.store.Txn;

/**
 * After chunk writes (flush, fsync, close): the file is at least {@code size} bytes long, and
 * with {@code touch_mtime} it was modified: mtime becomes {@code modified_ns}, when the writer
 * last wrote by its clock (the command's time if 0), as a local file system stamps a write when
 * it is made rather than when it reaches the disk; ctime becomes the later of that and the
 * command's time. {@code written_bytes} adds to the bytes the file counts as written (at most its
 * size; see {@code Attributes.writtenBytes}).
 * A shorter size never shrinks the file: only setattr truncates. A write by anybody but root
 * drops S_ISUID, and S_ISGID if group-executable, as Linux's {@code file_remove_privs} does, so
 * the command must carry the writer as its caller; {@code touch_mtime} is what marks a write.
 * No permission is checked: the writer was checked when it opened the file. A deleted inode
 * that is still open (nlink 0) takes writes too.
 *
 * <p>{@code moved_to_chunks}: the file was stored inline and the writer has written its bytes
 * (and maybe more) to chunks: the inline copy is dropped and the file lives in chunks from now on.
 * On a file already in chunks the flag changes nothing, so a repeated commit is harmless. An
 * empty inline file leaves inline storage on any commit, flag or not, since it has no bytes to
 * lose: so a client that knows nothing of inline files (it wrote chunks and commits their
 * length) still works on files created inline. A non-empty inline file takes no commit without
 * the flag (EINVAL): its bytes change by write_inline.
 *
 * <p>{@code check_inline}: other clients may write the inline copy (write_inline) while one moves
 * the file, so the mover says which contents it copied to chunks ({@code expected_inline}); if the
 * inline copy has changed since, nothing changes and the answer is EAGAIN: the mover copies the
 * new contents and commits again. On a file already in chunks the check passes (another client
 * moved it).
 *
 * <p>Errors: ENOENT, EISDIR (a directory), EINVAL (another non-regular file; a non-empty inline
 * file without {@code moved_to_chunks}), EAGAIN (the inline contents are not {@code expected_inline}).
 */
public final class CommitLengthOp {
    private CommitLengthOp() {}

    public static MetaResponse apply(Txn txn, MetaCommand cmd) throws FsException {
        CommitLengthReq req = cmd.getCommitLength();
        Inode inode = new Namespace(txn).inode(req.getInode()).requireRegular();
        Inode updated = inode;
        if (inode.inline()) {
            if (!req.getMovedToChunks() && inode.attributes().sizeBytes() > 0) {
                throw new FsException(Errno.EINVAL, inode.id() + " is stored inline: write it with write_inline,"
                        + " or move it to chunks (moved_to_chunks)");
            }
            if (req.getCheckInline()
                    && !InlineContents.read(txn, inode.id()).equals(req.getExpectedInline())) {
                throw new FsException(Errno.EAGAIN, inode.id() + ": the inline contents changed while being moved");
            }
            txn.delete(Schema.INLINE, inode.id());
            updated = updated.withInline(false);
        }
        if (req.getSize() > inode.attributes().sizeBytes()) {
            updated = updated.withSize(req.getSize());
        }
        long written = updated.attributes().writtenBytes();
        if (req.getWrittenBytes() > 0 && written >= 0) {
            updated = updated.withWritten(Math.min(written + req.getWrittenBytes(), updated.attributes().sizeBytes()));
        }
        if (req.getTouchMtime()) {
            long modified = req.getModifiedNs() != 0 ? req.getModifiedNs() : cmd.getNowNs();
            updated = updated.withMtime(modified).withCtime(Math.max(modified, cmd.getNowNs()));
            updated = updated.withMode(Permissions.of(cmd.getCaller()).modeAfterWrite(updated));
        }
        if (!updated.equals(inode)) {
            txn.put(Schema.INODE, updated.id(), updated);
        }
        return Replies.attr(updated);
    }
}
