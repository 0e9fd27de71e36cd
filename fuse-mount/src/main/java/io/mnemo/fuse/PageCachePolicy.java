package io.mnemo.fuse;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import io.mnemo.core.model.Attributes;
import io.mnemo.core.model.InodeId;

/**
 * Close-to-open with a warm page cache: the kernel keeps a file's cached pages across opens
 * only if the file is unchanged (same size and mtime) since this mount last opened it;
 * otherwise they are dropped at open and the new contents are read.
 */
final class PageCachePolicy {
    private record Version(long sizeBytes, long mtimeNanos) {}

    private final Cache<InodeId, Version> lastOpened = CacheBuilder.newBuilder().maximumSize(100_000).build();

    boolean unchangedSinceLastOpen(Attributes a) {
        Version now = new Version(a.sizeBytes(), a.mtimeNanos());
        Version before = lastOpened.asMap().put(a.inode(), now);
        return now.equals(before);
    }
}
