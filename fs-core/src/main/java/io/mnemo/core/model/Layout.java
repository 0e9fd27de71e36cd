package io.mnemo.core.model;

import java.util.List;

/**
 * How a file's bytes are placed: chunk {@code i} lives on chain {@code chains[i mod stripeCount]}.
 * Fixed when the file is created; nothing per chunk is kept in the namespace.
 */
public record Layout(int chunkSizeBytes, int stripeCount, List<Integer> chains) {
    public static final int MIN_CHUNK_SIZE = 64 * 1024;
    public static final int MAX_CHUNK_SIZE = 64 * 1024 * 1024;
    public static final int DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024;

    public Layout {
        chains = List.copyOf(chains);
        if (chunkSizeBytes < MIN_CHUNK_SIZE || chunkSizeBytes > MAX_CHUNK_SIZE
                || Integer.bitCount(chunkSizeBytes) != 1) {
            throw new IllegalArgumentException("chunk size must be a power of two between 64K and 64M: " + chunkSizeBytes);
        }
        if (stripeCount < 1 || stripeCount != chains.size()) {
            throw new IllegalArgumentException("stripe count " + stripeCount + " does not match chains " + chains);
        }
    }

    /** The chain that stores chunk {@code index}. */
    public int chainOf(long index) {
        return chains.get((int) (index % stripeCount));
    }

    public long chunkIndexOf(long offset) {
        return offset / chunkSizeBytes;
    }
}
