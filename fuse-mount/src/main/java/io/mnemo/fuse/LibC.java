package io.mnemo.fuse;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.ffi.annotations.SaveError;

/**
 * The few C library calls a FUSE session needs: reading requests from the device's descriptor,
 * writing replies to it, closing it (public only because jnr-ffi implements it in a class loader
 * of its own). Buffers are passed as raw addresses of direct
 * buffers (a pointer and a 64-bit integer travel alike on the LP64 platforms we run on).
 */
public interface LibC {
    int EINTR = 4;
    int ENOENT = 2;
    int EAGAIN = 11;
    int ENODEV = 19;

    LibC INSTANCE = LibraryLoader.create(LibC.class).load("c");

    @SaveError
    long read(int fd, long buffer, long count);

    @SaveError
    long write(int fd, long buffer, long count);

    int close(int fd);

    /** The errno the last {@link SaveError} call of this thread left. */
    static int errno() {
        return Runtime.getRuntime(INSTANCE).getLastError();
    }
}
