package io.mnemo.meta.ops;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.proto.InlineWrite;
import io.mnemo.core.proto.MetaCommand;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.core.proto.WriteInlineReq;
import io.mnemo.meta.store.Inode;
import io.mnemo.meta.store.Schema;
import io.mnemo.meta.store.Txn;

/**
 * The write-back of a file stored inline: {@code data} becomes its whole contents and its size
 * {@code data.size()}; or, with {@code splice}, each of {@code writes} replaces only the bytes at
 * its offset (a gap reads as zeros) and the size becomes at least the largest end, so that
 * clients writing disjoint ranges of one shared file each send only their own bytes and keep
 * each other's. Either way its mtime becomes {@code modified_ns}, when the writer last wrote by its
 * clock (the command's time if 0), and its ctime the later of that and the command's time. As with
 * {@link CommitLengthOp}, the command carries the writer as its caller, whose permission was
 * checked when it opened the file (so a file created read-only can still be written through the
 * handle that created it, as open(2) promises), and a write by anybody but root drops S_ISUID,
 * and S_ISGID if group-executable. A deleted inode that is still open (nlink 0) takes writes too.
 *
 * <p>Errors: ENOENT, EISDIR (a directory), EINVAL (another non-regular file, or a regular file
 * whose bytes live in chunks: the writer must write chunks and commit the length instead), EFBIG
 * (a write ends beyond the inline threshold: the writer moves the file to chunks; nothing changes).
 */
public final class WriteInlineOp {
    private WriteInlineOp() {}

    public static MetaResponse apply(Txn txn, MetaCommand cmd, int inlineThresholdBytes) throws FsException {
        WriteInlineReq req = cmd.getWriteInline();
        Inode inode = new Namespace(txn).inode(req.getInode()).requireRegular();
        if (!inode.inline()) {
            throw new FsException(Errno.EINVAL, inode.id() + " is not stored inline: its bytes live in chunks");
        }
        ByteString contents;
        if (req.getSplice()) {
            long size = inode.attributes().sizeBytes();
            for (InlineWrite w : req.getWritesList()) {
                // offset is a u64: "negative" is beyond 2^63, and beyond the threshold too.
                if (Long.compareUnsigned(w.getOffset(), inlineThresholdBytes) > 0
                        || w.getOffset() + w.getData().size() > inlineThresholdBytes) {
                    throw new FsException(Errno.EFBIG, w.getData().size() + " bytes at "
                            + Long.toUnsignedString(w.getOffset()) + " do not fit inline (at most "
                            + inlineThresholdBytes + ")");
                }
                size = Math.max(size, w.getOffset() + w.getData().size());
            }
            byte[] spliced = InlineContents.resized(txn, inode.id(), (int) size);
            for (InlineWrite w : req.getWritesList()) {
                w.getData().copyTo(spliced, (int) w.getOffset());
            }
            contents = UnsafeByteOperations.unsafeWrap(spliced);
        } else {
            if (req.getData().size() > inlineThresholdBytes) {
                throw new FsException(Errno.EFBIG, req.getData().size() + " bytes do not fit inline (at most "
                        + inlineThresholdBytes + ")");
            }
            contents = req.getData();
        }
        long now = cmd.getNowNs();
        long modified = req.getModifiedNs() != 0 ? req.getModifiedNs() : now;
        Inode updated = inode.withSize(contents.size()).withWritten(contents.size()) // kept whole, holes and all
                .withMtime(modified).withCtime(Math.max(modified, now));
        updated = updated.withMode(Permissions.of(cmd.getCaller()).modeAfterWrite(updated));
        InlineContents.write(txn, inode.id(), contents);
        txn.put(Schema.INODE, inode.id(), updated);
        return Replies.attr(updated);
    }
}
