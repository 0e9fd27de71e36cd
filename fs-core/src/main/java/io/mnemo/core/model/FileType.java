package io.mnemo.core.model;

/** The kind of an inode, with its {@code S_IFMT} bits. */
public enum FileType {
    REGULAR(0100000), DIRECTORY(0040000), SYMLINK(0120000), FIFO(0010000),
    CHAR_DEVICE(0020000), BLOCK_DEVICE(0060000), SOCKET(0140000);

    public static final int S_IFMT = 0170000;
    private final int formatBits;

    FileType(int formatBits) {
        this.formatBits = formatBits;
    }

    /** The {@code S_IF*} bits that {@code stat} puts in {@code st_mode}. */
    public int formatBits() {
        return formatBits;
    }

    /** The type named by a mode's {@code S_IFMT} bits; a mode without them is a regular file. */
    public static FileType fromMode(int mode) {
        int bits = mode & S_IFMT;
        if (bits == 0) {
            return REGULAR;
        }
        for (FileType t : values()) {
            if (t.formatBits == bits) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown file type bits " + Integer.toOctalString(bits));
    }
}
