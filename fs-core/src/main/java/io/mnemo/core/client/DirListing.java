package io.mnemo.core.client;

import io.mnemo.core.model.DirEntry;
import java.util.List;

/** One page of a directory, in name order; {@code more} when entries follow the last one. */
public record DirListing(List<DirEntry> entries, boolean more) {}
