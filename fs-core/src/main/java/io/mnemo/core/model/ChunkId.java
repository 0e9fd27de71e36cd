package io.mnemo.core.model;

/** Chunk {@code index} of an inode's contents: the unit a data node stores as one file. */
public record ChunkId(InodeId inode, long index) {
    public ChunkId {
        if (index < 0) {
            throw new IllegalArgumentException("negative chunk index " + index);
        }
    }

    @Override
    public String toString() {
        return "chunk " + inode.value() + ":" + index;
    }
}
