package io.mnemo.data.store;

import io.mnemo.core.model.ChunkId;
import io.mnemo.core.model.InodeId;
import java.nio.file.Path;
import java.util.Random;

/**
 * Run in a separate JVM by {@link FileChunkStoreCrashTest}: writes chunks of inode 1 in 100 KB
 * pieces (so most writes cover parts of blocks), rewrites a range of each previous chunk (after a
 * sync, that is an overwrite of synced bytes), syncs every third chunk, and halts the JVM, without
 * closing anything, in the middle of chunk {@code haltInChunk}.
 */
public final class CrashingWriter {
    static final InodeId INODE = new InodeId(1);
    static final int CHUNK_BYTES = 1_000_000;
    static final int PIECE_BYTES = 100_000;
    static final int REWRITE_FROM = 5_000;
    static final int REWRITE_BYTES = 1_000;

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int haltInChunk = Integer.parseInt(args[1]);
        FileChunkStore store = FileChunkStore.open(dir, 0);
        for (int i = 0; ; i++) {
            byte[] content = content(i);
            for (int offset = 0; offset < CHUNK_BYTES; offset += PIECE_BYTES) {
                if (i == haltInChunk && offset == CHUNK_BYTES / 2) {
                    System.out.println("halting");
                    System.out.flush();
                    Runtime.getRuntime().halt(0);
                }
                StoreFiles.write(store, new ChunkId(INODE, i), offset,
                        java.util.Arrays.copyOfRange(content, offset, offset + PIECE_BYTES));
            }
            if (i > 0) {
                StoreFiles.write(store, new ChunkId(INODE, i - 1), REWRITE_FROM, rewrite(i - 1));
            }
            if (i % 3 == 2) {
                store.sync(INODE);
            }
        }
    }

    static byte[] content(int chunk) {
        return StoreFiles.random(new Random(chunk), CHUNK_BYTES);
    }

    static byte[] rewrite(int chunk) {
        return StoreFiles.random(new Random(10_000 + chunk), REWRITE_BYTES);
    }
}
