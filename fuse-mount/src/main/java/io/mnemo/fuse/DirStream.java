package io.mnemo.fuse;

import io.mnemo.core.client.DirListing;
import io.mnemo.core.model.Attributes;
import io.mnemo.core.client.MnemoClient;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.Caller;
import io.mnemo.core.model.DirEntry;
import io.mnemo.core.model.FileType;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.model.Name;
import java.util.List;
import java.util.Map;

/**
 * One open directory being listed. FUSE asks for entries from an offset; offset 1 is ".",
 * 2 is "..", and entry {@code k} of the name-ordered stream is {@code k + 3}. Only the current
 * page is held, so memory stays bounded however large the directory; a page is fetched from
 * the last name returned, so entries added or removed meanwhile do not shift the others.
 */
final class DirStream {
    private static final byte[] DOT = {'.'};
    private static final byte[] DOT_DOT = {'.', '.'};

    /** Receives one entry, with its attributes if known; returns true when the kernel's buffer is full. */
    @FunctionalInterface
    interface Sink {
        boolean add(byte[] name, long inode, int formatBits, long nextOffset, Attributes attributes);
    }

    private final MnemoClient client;
    private final InodeId dir;
    private final InodeId parent;
    private final Caller caller;
    private List<DirEntry> page = List.of();
    private Map<InodeId, Attributes> pageAttributes = Map.of();
    private long pageStart; // stream index of page.get(0)
    private boolean more = true;
    private boolean loaded;

    DirStream(MnemoClient client, InodeId dir, InodeId parent, Caller caller) {
        this.client = client;
        this.dir = dir;
        this.parent = parent;
        this.caller = caller;
    }

    /** Entries from {@code offset}; pages fetched for it bring attributes along if {@code withAttributes}. */
    synchronized void fill(long offset, boolean withAttributes, Sink sink) throws FsException {
        int dirBits = FileType.DIRECTORY.formatBits();
        if (offset < 1) {
            if (sink.add(DOT, dir.value(), dirBits, 1, null)) {
                return;
            }
            offset = 1;
        }
        if (offset < 2) {
            if (sink.add(DOT_DOT, parent.value(), dirBits, 2, null)) {
                return;
            }
            offset = 2;
        }
        long index = offset - 2;
        while (true) {
            if (!position(index, withAttributes)) {
                return;
            }
            DirEntry e = page.get((int) (index - pageStart));
            if (sink.add(e.name().bytes(), e.inode().value(), e.type().formatBits(), index + 3,
                    pageAttributes.get(e.inode()))) {
                return;
            }
            index++;
        }
    }

    /** Makes {@code index} fall in the current page; false at the end of the directory. */
    private boolean position(long index, boolean withAttributes) throws FsException {
        if (!loaded || index < pageStart) {
            // First call, or a seek backwards (rewinddir): list again from the start.
            load(null, 0, withAttributes);
        }
        while (index >= pageStart + page.size()) {
            if (!more) {
                return false;
            }
            load(page.isEmpty() ? null : page.get(page.size() - 1).name(), pageStart + page.size(), withAttributes);
        }
        return true;
    }

    private void load(Name after, long start, boolean withAttributes) throws FsException {
        DirListing listing = client.readdir(dir, after, MnemoClient.READDIR_PAGE, withAttributes, caller);
        page = listing.entries();
        pageAttributes = listing.attributes();
        more = listing.more() && !listing.entries().isEmpty();
        pageStart = start;
        loaded = true;
    }
}
