package io.mnemo.core.client;

import io.mnemo.core.model.InodeId;

/** One open of a file: what {@link MnemoClient#open} returns and every data call takes. */
public final class FileHandle {
    private final OpenFile file;
    private final int flags;

    FileHandle(OpenFile file, int flags) {
        this.file = file;
        this.flags = flags;
    }

    OpenFile file() {
        return file;
    }

    public InodeId inode() {
        return file.inode();
    }

    /** The open(2) flags this handle was opened with. */
    public int flags() {
        return flags;
    }
}
