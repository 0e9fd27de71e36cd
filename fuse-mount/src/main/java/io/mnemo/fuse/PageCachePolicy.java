package io.mnemo.fuse;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import io.mnemo.core.model.Attributes;
import io.mnemo.core.model.InodeId;

/**
 * Close-to-open with a warm page cache: the kernel keeps a file's cached pages across opens
 * only if the file is unchanged (same size and mtime) since this mount last opened it;
 * otherwise they are dropped at open and the new contents are read.
 *
 * <p>It also bounds where the kernel may hold pages of a file: never past the largest size the
 * mount ever told it (in attributes, write replies and stored pages), as the kernel reads and
 * writes no page past what it believes is the end. A file forgotten here may have pages anywhere.
 */
final class PageCachePolicy {
    private static final int FILES = 100_000;

    private record Version(long sizeBytes, long mtimeNanos) {}

    private final Cache<InodeId, Version> lastOpened = CacheBuilder.newBuilder().maximumSize(FILES).build();
    private final Cache<InodeId, Long> largestSize = CacheBuilder.newBuilder().maximumSize(FILES).build();

    boolean unchangedSinceLastOpen(Attributes a) {
        Version now = new Version(a.sizeBytes(), a.mtimeNanos());
        Version before = lastOpened.asMap().put(a.inode(), now);
        return now.equals(before);
    }

    /** The kernel was told, or made, that {@code inode} is {@code sizeBytes} long. */
    void sizeShown(InodeId inode, long sizeBytes) {
        largestSize.asMap().merge(inode, sizeBytes, Math::max);
    }

    /** Whether the kernel may hold pages of {@code inode} at or past {@code sizeBytes}. */
    boolean mayHoldPagesPast(InodeId inode, long sizeBytes) {
        Long largest = largestSize.getIfPresent(inode);
        return largest == null || largest > sizeBytes;
    }
}
