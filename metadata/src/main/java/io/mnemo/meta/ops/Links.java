package io.mnemo.meta.ops;

import io.mnemo.meta.store.Inode;
import io.mnemo.meta.store.Keys;
import io.mnemo.meta.store.Row;
import io.mnemo.meta.store.Schema;
import io.mnemo.meta.store.Txn;

/** What creating and dropping links does to inodes, shared by the operations that do it. */
final class Links {
    /** More xattrs than any inode may have (Linux allows 64 KiB of them in all). */
    private static final int MAX_XATTRS = 1 << 16;

    private Links() {}

    /**
     * Removes one link of a non-directory. At zero links the inode goes away with its inline
     * data and xattrs, and a regular file's layout is recorded as an orphan so the collector
     * deletes its chunks; otherwise its ctime becomes {@code nowNanos}.
     */
    static void dropFileLink(Txn txn, Inode inode, long nowNanos) {
        if (inode.nlink() > 1) {
            txn.put(Schema.INODE, inode.id(), inode.withNlink(inode.nlink() - 1).withCtime(nowNanos));
            return;
        }
        forget(txn, inode);
        if (inode.attributes().isRegular() && inode.attributes().layout() != null) {
            txn.put(Schema.ORPHAN, inode.id(), inode.attributes().layout());
        }
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

    private static void forget(Txn txn, Inode inode) {
        txn.delete(Schema.INODE, inode.id());
        txn.delete(Schema.INLINE, inode.id());
        byte[] start = Keys.INODE.encode(inode.id());
        byte[] end = Keys.dentryEnd(inode.id());
        for (Row<byte[], byte[]> xattr : txn.scan(Schema.XATTR, start, end, MAX_XATTRS)) {
            txn.delete(Schema.XATTR, xattr.key());
        }
        txn.put(Schema.INODE_COUNT, Math.max(0, txn.get(Schema.INODE_COUNT).orElse(1L) - 1));
    }
}
