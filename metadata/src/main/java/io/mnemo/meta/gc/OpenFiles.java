package io.mnemo.meta.gc;

import io.mnemo.core.model.InodeId;

/**
 * Whether some client still holds an inode open; the collector leaves such orphans alone. It is
 * asked after the orphan has been read, never before.
 */
@FunctionalInterface
public interface OpenFiles {
    /** For a collector with no clients to protect (tests, tools). */
    OpenFiles NONE = inode -> false;

    boolean isOpen(InodeId inode);
}
