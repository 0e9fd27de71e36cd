package io.mnemo.fuse;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A FUSE {@code fh} table: lock-free. Tables that share a counter never hand out the same
 * number, and numbers are never reused within a mount.
 */
final class Handles<T> {
    private final Map<Long, T> open = new ConcurrentHashMap<>();
    private final AtomicLong next;

    Handles(AtomicLong next) {
        this.next = next;
    }

    long add(T handle) {
        long fh = next.getAndIncrement();
        open.put(fh, handle);
        return fh;
    }

    T get(long fh) throws FsException {
        T handle = open.get(fh);
        if (handle == null) {
            throw new FsException(Errno.EBADF, "no open handle " + fh);
        }
        return handle;
    }

    /** The handle, or null if {@code fh} is not in this table. */
    T find(long fh) {
        return open.get(fh);
    }

    T remove(long fh) throws FsException {
        T handle = open.remove(fh);
        if (handle == null) {
            throw new FsException(Errno.EBADF, "no open handle " + fh);
        }
        return handle;
    }

}
