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
 */
public final class OpRunner {
    private OpRunner() {}

    public static MetaResponse apply(Txn txn, MetaCommand cmd) {
        try {
            return switch (cmd.getOpCase()) {
                case CREATE -> CreateOp.apply(txn, cmd);
                case UNLINK -> UnlinkOp.apply(txn, cmd);
                case RENAME -> RenameOp.apply(txn, cmd);
                case LINK -> LinkOp.apply(txn, cmd);
                case SETATTR -> SetattrOp.apply(txn, cmd);
                case COMMIT_LENGTH -> CommitLengthOp.apply(txn, cmd);
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
