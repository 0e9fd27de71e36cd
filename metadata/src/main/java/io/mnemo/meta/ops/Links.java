package io.mnemo.meta.ops;

import io.mnemo.meta.store.Inode;
import io.mnemo.meta.store.Keys;
import io.mnemo.meta.store.Row;
import io.mnemo.meta.store.Schema;
import io.mnemo.meta.store.Txn;

/** What creating and dropping links does to inodes, shared by the operations that do it. */
final class Links {
    /** More xattrs than any inode may have (their names fill at most 64 KiB, see {@link Xattrs}). */
    private static final int MAX_XATTRS = 1 << 16;

    private Links() {}

    /**
     * Removes one link of a non-directory; its ctime becomes {@code nowNanos}. At zero links a
     * regular file stays as an unnamed inode (nlink 0) with an orphan record holding its layout:
     * handles opened before may still read and write it, and the collector deletes its chunks,
     * then purges the inode, once no session holds it open. Any other type goes away at once,
     * with its xattrs.
     */
    static void dropFileLink(Txn txn, Inode inode, long nowNanos) {
        Inode dropped = inode.withNlink(Math.max(0, inode.nlink() - 1)).withCtime(nowNanos);
        if (dropped.nlink() > 0) {
            txn.put(Schema.INODE, inode.id(), dropped);
            return;
        }
        if (inode.attributes().isRegular() && inode.attributes().layout() != null) {
            txn.put(Schema.INODE, inode.id(), dropped);
            txn.put(Schema.ORPHAN, inode.id(), inode.attributes().layout());
            return;
        }
        forget(txn, inode);
    }

    /** Removes an (empty) directory's inode; its parent's link count is the caller's business. */
    static void dropDirectory(Txn txn, Inode dir) {
        forget(txn, dir);
    }

    /** Counts a new inode and moves the allocator past its sequence. */
    static void created(Txn txn, Inode inode) {
        txn.put(Schema.INODE_COUNT, txn.get(Schema.INODE_COUNT).orElse(0L) + 1);
        long next = inode.id().sequence() + 1;
        if (next > txn.get(Schema.NEXT_INODE).orElse(0L)) {
            txn.put(Schema.NEXT_INODE, next);
        }
    }

    /** Deletes an inode with its inline data and xattrs, and uncounts it. */
    static void forget(Txn txn, Inode inode) {
        txn.delete(Schema.INODE, inode.id());
        txn.delete(Schema.INLINE, inode.id());
        byte[] start = Keys.xattrStart(inode.id());
        byte[] end = Keys.xattrEnd(inode.id());
        for (Row<byte[], byte[]> xattr : txn.scan(Schema.XATTR, start, end, MAX_XATTRS)) {
            txn.delete(Schema.XATTR, xattr.key());
        }
        txn.put(Schema.INODE_COUNT, Math.max(0, txn.get(Schema.INODE_COUNT).orElse(1L) - 1));
    }
}
