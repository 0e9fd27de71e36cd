package io.mnemo.meta.ops;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.proto.MetaCommand;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.meta.store.Txn;

/**
 * Applies one {@link MetaCommand} to a transaction: the state machine's single entry point
 * into the operations. A POSIX failure leaves the transaction empty and becomes the reply's
 * errno; anything else thrown is corruption or a bug and propagates.
 *
 * <p>Applying depends on one setting, the inline threshold: whether a new regular file starts
 * inline (a threshold above 0) and the largest inline file (EFBIG beyond). Each command carries
 * the threshold its leader proposed it with ({@code inline_limit}), so a replay applies it as it
 * was answered even if the configuration changed meanwhile; the threshold given here serves
 * only commands without one, logged before commands carried it.
 */
public final class OpRunner {
    /** 64 KiB. */
    public static final int DEFAULT_INLINE_THRESHOLD_BYTES = 64 * 1024;

    private final int inlineThresholdBytes;

    /** @param inlineThresholdBytes the largest file kept inline, for commands that do not say; 0 keeps no file inline */
    public OpRunner(int inlineThresholdBytes) {
        if (inlineThresholdBytes < 0) {
            throw new IllegalArgumentException("inline threshold must be >= 0: " + inlineThresholdBytes);
        }
        this.inlineThresholdBytes = inlineThresholdBytes;
    }

    public MetaResponse apply(Txn txn, MetaCommand cmd) {
        int inlineThresholdBytes = cmd.hasInlineLimit() ? cmd.getInlineLimit() : this.inlineThresholdBytes;
        try {
            return switch (cmd.getOpCase()) {
                case CREATE -> CreateOp.apply(txn, cmd, inlineThresholdBytes > 0);
                case UNLINK -> UnlinkOp.apply(txn, cmd);
                case RENAME -> RenameOp.apply(txn, cmd);
                case LINK -> LinkOp.apply(txn, cmd);
                case SETATTR -> SetattrOp.apply(txn, cmd, inlineThresholdBytes);
                case COMMIT_LENGTH -> CommitLengthOp.apply(txn, cmd);
                case WRITE_INLINE -> WriteInlineOp.apply(txn, cmd, inlineThresholdBytes);
                case REGISTER_NODE -> RegisterNodeOp.apply(txn, cmd);
                case PURGE_ORPHAN -> PurgeOrphanOp.apply(txn, cmd);
                case SETXATTR -> SetxattrOp.apply(txn, cmd);
                case REMOVEXATTR -> RemovexattrOp.apply(txn, cmd);
                case OP_NOT_SET -> throw new FsException(Errno.EINVAL, "command without an operation");
            };
        } catch (FsException e) {
            txn.clear();
            return Replies.error(e);
        }
    }
}
