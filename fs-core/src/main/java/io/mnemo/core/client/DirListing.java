package io.mnemo.core.client;

import io.mnemo.core.model.Attributes;
import io.mnemo.core.model.DirEntry;
import io.mnemo.core.model.InodeId;
import java.util.List;
import java.util.Map;

/**
 * One page of a directory, in name order; {@code more} when entries follow the last one;
 * the entries' {@code attributes} when asked for (and their inodes were there), by inode.
 */
public record DirListing(List<DirEntry> entries, boolean more, Map<InodeId, Attributes> attributes) {}
