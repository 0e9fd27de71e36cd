package io.mnemo.meta.ops;

import io.mnemo.core.model.InodeId;
import io.mnemo.meta.store.ReadView;
import io.mnemo.meta.store.Schema;
import io.mnemo.meta.store.Txn;

/**
 * The contents of a file stored inline, kept in {@link Schema#INLINE} as exactly its {@code size}
 * bytes; an empty file has no record at all.
 */
final class InlineContents {
    static final byte[] EMPTY = new byte[0];

    private InlineContents() {}

    static byte[] read(ReadView view, InodeId inode) {
        return view.get(Schema.INLINE, inode).orElse(EMPTY);
    }

    static void write(Txn txn, InodeId inode, byte[] contents) {
        if (contents.length == 0) {
            txn.delete(Schema.INLINE, inode);
        } else {
            txn.put(Schema.INLINE, inode, contents);
        }
    }
}
