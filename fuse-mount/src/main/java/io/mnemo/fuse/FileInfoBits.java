package io.mnemo.fuse;

import jnr.ffi.Pointer;
import jnr.ffi.Struct;
import ru.serce.jnrfuse.struct.FuseFileInfo;

/**
 * The bit fields of libfuse 2's {@code struct fuse_file_info} ({@code direct_io}, {@code keep_cache},
 * ...), which jnr-fuse declares only as padding: they share the 32-bit word just before {@code fh}.
 */
final class FileInfoBits {
    private static final int KEEP_CACHE = 1 << 1;

    private FileInfoBits() {}

    static void keepCache(FuseFileInfo fi) {
        Pointer memory = Struct.getMemory(fi);
        long word = fi.fh.offset() - 4;
        memory.putInt(word, memory.getInt(word) | KEEP_CACHE);
    }
}
