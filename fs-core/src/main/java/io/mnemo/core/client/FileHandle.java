package io.mnemo.core.client;

import io.mnemo.core.model.Attributes;
import io.mnemo.core.model.Caller;
import io.mnemo.core.model.InodeId;
import java.util.concurrent.atomic.AtomicBoolean;

/** One open of a file: what {@link MnemoClient#open} returns and every data call takes. */
public final class FileHandle {
    private final OpenFile file;
    private final int flags;
    private final Attributes openedWith;
    private final AtomicBoolean atimeConsidered = new AtomicBoolean();
    private final AtomicBoolean setIdDropped = new AtomicBoolean();

    private final Caller caller;

    FileHandle(OpenFile file, int flags, Attributes openedWith, Caller caller) {
        this.file = file;
        this.flags = flags;
        this.openedWith = openedWith;
        this.caller = caller;
    }

    /** Who opened the file: writes through this handle are theirs. */
    Caller caller() {
        return caller;
    }

    /** The file's attributes as the metadata server reported them at open. */
    public Attributes openedWith() {
        return openedWith;
    }

    OpenFile file() {
        return file;
    }

    public InodeId inode() {
        return file.inode();
    }

    /** True the first time only: whether this handle's first read may need an atime update. */
    boolean claimAtimeUpdate() {
        return atimeConsidered.compareAndSet(false, true);
    }

    /** True the first time only: whether a write through this handle should drop the set-id bits. */
    boolean claimSetIdDrop() {
        return setIdDropped.compareAndSet(false, true);
    }

    /** The open(2) flags this handle was opened with. */
    public int flags() {
        return flags;
    }
}
