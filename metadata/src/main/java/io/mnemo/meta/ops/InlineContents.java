package io.mnemo.meta.ops;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.mnemo.core.model.InodeId;
import io.mnemo.meta.store.ReadView;
import io.mnemo.meta.store.Schema;
import io.mnemo.meta.store.Txn;

/**
 * The contents of a file stored inline, kept in {@link Schema#INLINE} as exactly its {@code size}
 * bytes; an empty file has no record at all.
 */
final class InlineContents {
    private InlineContents() {}

    static ByteString read(ReadView view, InodeId inode) {
        return view.get(Schema.INLINE, inode).orElse(ByteString.EMPTY);
    }

    /** A copy of the contents cut or zero-extended to {@code size} bytes, for changing them. */
    static byte[] resized(ReadView view, InodeId inode, int size) {
        ByteString stored = read(view, inode);
        byte[] out = new byte[size];
        stored.copyTo(out, 0, 0, Math.min(size, stored.size()));
        return out;
    }

    static void write(Txn txn, InodeId inode, byte[] contents) {
        write(txn, inode, UnsafeByteOperations.unsafeWrap(contents));
    }

    static void write(Txn txn, InodeId inode, ByteString contents) {
        if (contents.isEmpty()) {
            txn.delete(Schema.INLINE, inode);
        } else {
            txn.put(Schema.INLINE, inode, contents);
        }
    }
}
