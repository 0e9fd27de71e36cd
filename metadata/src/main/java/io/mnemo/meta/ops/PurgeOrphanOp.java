package io.mnemo.meta.ops;

import io.mnemo.core.model.InodeId;
import io.mnemo.core.proto.MetaCommand;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.meta.store.Schema;
import io.mnemo.meta.store.Txn;

/**
 * The chunks of these deleted inodes are gone from every data node: forget their orphan
 * records. Inodes that are not orphans are ignored, so a repeated purge is harmless.
 */
public final class PurgeOrphanOp {
    private PurgeOrphanOp() {}

    public static MetaResponse apply(Txn txn, MetaCommand cmd) {
        for (long inode : cmd.getPurgeOrphan().getInodesList()) {
            if (inode > 0 && txn.get(Schema.ORPHAN, new InodeId(inode)).isPresent()) {
                txn.delete(Schema.ORPHAN, new InodeId(inode));
            }
        }
        return Replies.ok();
    }
}
