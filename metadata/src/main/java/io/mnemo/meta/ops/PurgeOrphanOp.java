package io.mnemo.meta.ops;

import io.mnemo.core.model.InodeId;
import io.mnemo.core.proto.MetaCommand;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.meta.store.Inode;
import io.mnemo.meta.store.Schema;
import io.mnemo.meta.store.Txn;
import java.util.Optional;

/**
 * The chunks of these deleted inodes are gone from every data node: forget their orphan
 * records, and the unnamed (nlink 0) inodes themselves with their xattrs and inline data.
 * Inodes that are not orphans are ignored, so a repeated purge is harmless; so is an inode
 * that has a name again, which is never deleted here.
 */
public final class PurgeOrphanOp {
    private PurgeOrphanOp() {}

    public static MetaResponse apply(Txn txn, MetaCommand cmd) {
        for (long value : cmd.getPurgeOrphan().getInodesList()) {
            if (value <= 0) {
                continue;
            }
            InodeId id = new InodeId(value);
            if (txn.get(Schema.ORPHAN, id).isEmpty()) {
                continue;
            }
            txn.delete(Schema.ORPHAN, id);
            Optional<Inode> inode = txn.get(Schema.INODE, id);
            if (inode.isPresent() && inode.get().nlink() == 0) {
                Links.forget(txn, inode.get());
            }
        }
        return Replies.ok();
    }
}
