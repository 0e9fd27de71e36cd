package io.mnemo.core.client;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.ChunkId;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.model.Layout;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import com.google.errorprone.annotations.concurrent.GuardedBy;

/**
 * The client's state for one regular file that is open, shared by all its handles in this
 * client: the known length, and the write buffer that coalesces small writes into large
 * chunk writes sent several at a time across the stripe.
 *
 * <p>Writes are acknowledged once buffered; a failure of a deferred chunk write is kept and
 * thrown by the next write, flush or fsync. Reads first wait for this file's writes in flight,
 * so a handle always reads what any handle of this client wrote.
 */
final class OpenFile {
    /** A chunk write sent and not yet known to be finished. */
    private record InFlight(long offset, long end, CompletableFuture<Void> done) {
        boolean overlaps(long otherOffset, long otherEnd) {
            return offset < otherEnd && otherOffset < end;
        }
    }

    private final InodeId inode;
    private final Layout layout;
    private final ChunkClient chunks;
    private final Semaphore writeBudget;
    private final int maxWriteBytes;

    @GuardedBy("this") private long sizeBytes;
    @GuardedBy("this") private boolean dirty;
    @GuardedBy("this") private int references;
    @GuardedBy("this") private ByteBuf extent;
    @GuardedBy("this") private long extentOffset;
    @GuardedBy("this") private final List<InFlight> inFlight = new ArrayList<>();
    @GuardedBy("this") private FsException deferredError;

    OpenFile(InodeId inode, Layout layout, long sizeBytes, ChunkClient chunks, Semaphore writeBudget, int maxWriteBytes) {
        this.inode = inode;
        this.layout = layout;
        this.sizeBytes = sizeBytes;
        this.chunks = chunks;
        this.writeBudget = writeBudget;
        this.maxWriteBytes = maxWriteBytes;
    }

    InodeId inode() {
        return inode;
    }

    Layout layout() {
        return layout;
    }

    synchronized long sizeBytes() {
        return sizeBytes;
    }

    synchronized boolean isDirty() {
        return dirty;
    }

    synchronized void retain() {
        references++;
    }

    /** Drops one reference; true when it was the last. */
    synchronized boolean releaseReference() {
        return --references == 0;
    }

    /** A new open saw the server's length; adopt it unless this client has unsent changes. */
    synchronized void refreshSize(long serverSizeBytes) {
        if (!dirty) {
            sizeBytes = serverSizeBytes;
        }
    }

    /** Buffers {@code data} for {@code offset}; may block while the client's bytes in flight are at their bound. */
    synchronized void write(long offset, byte[] data, int length) throws FsException {
        throwDeferred();
        int done = 0;
        while (done < length) {
            long position = offset + done;
            long chunkEnd = (position / layout.chunkSizeBytes() + 1) * layout.chunkSizeBytes();
            if (extent != null && (position != extentOffset + extent.readableBytes()
                    || extent.readableBytes() == extent.maxCapacity())) {
                sendExtent();
            }
            if (extent == null) {
                int capacity = (int) Math.min(maxWriteBytes, chunkEnd - position);
                extent = Unpooled.buffer(Math.min(capacity, 256 * 1024), capacity);
                extentOffset = position;
            }
            int n = Math.min(length - done, extent.maxWritableBytes());
            extent.writeBytes(data, done, n);
            done += n;
        }
        sizeBytes = Math.max(sizeBytes, offset + length);
        dirty = true;
    }

    /** Sends what is buffered and waits for every chunk write of this file to finish. */
    synchronized void drain() throws FsException {
        sendExtent();
        List<InFlight> waiting = new ArrayList<>(inFlight);
        inFlight.clear();
        waiting.forEach(this::awaitQuietly);
        throwDeferred();
    }

    /** After a successful commit of the length to metadata. */
    synchronized void markClean() {
        dirty = false;
    }

    /** Reads up to {@code length} bytes at {@code offset}; fewer only at the end of the file. */
    byte[] read(long offset, int length) throws FsException {
        long size;
        synchronized (this) {
            if (extent != null || !inFlight.isEmpty()) {
                drain();
            }
            size = sizeBytes;
        }
        if (offset >= size || length <= 0) {
            return new byte[0];
        }
        int total = (int) Math.min(length, size - offset);
        byte[] out = new byte[total];
        List<CompletableFuture<ByteBuf>> parts = new ArrayList<>();
        List<int[]> placement = new ArrayList<>();
        int done = 0;
        while (done < total) {
            long position = offset + done;
            long index = position / layout.chunkSizeBytes();
            long inChunk = position % layout.chunkSizeBytes();
            int n = (int) Math.min(total - done, layout.chunkSizeBytes() - inChunk);
            parts.add(chunks.read(layout, new ChunkId(inode, index), inChunk, n));
            placement.add(new int[] {done, n});
            done += n;
        }
        FsException failure = null;
        for (int i = 0; i < parts.size(); i++) {
            try {
                ByteBuf data = Futures.await(parts.get(i));
                try {
                    // Bytes the chunk lacks stay zero: a hole, or a chunk shorter than the file.
                    data.readBytes(out, placement.get(i)[0], Math.min(data.readableBytes(), placement.get(i)[1]));
                } finally {
                    data.release();
                }
            } catch (FsException e) {
                failure = failure == null ? e : failure;
            }
        }
        if (failure != null) {
            throw failure;
        }
        return out;
    }

    /** The file was truncated to {@code newSize} (its chunks already cut): forget anything beyond. */
    synchronized void truncated(long newSize) {
        sizeBytes = newSize;
    }

    /** Sends the buffered extent, first waiting until the client's bound on bytes in flight allows it. */
    private void sendExtent() throws FsException {
        if (extent == null) {
            return;
        }
        ByteBuf data = extent;
        long offset = extentOffset;
        extent = null;
        int reserved = data.readableBytes();
        long end = offset + reserved;
        // Requests may overtake each other on the way to the data node: a write must not race an
        // earlier one to the same bytes, or the older data could land last.
        inFlight.removeIf(w -> {
            if (w.overlaps(offset, end)) {
                awaitQuietly(w);
                return true;
            }
            return false;
        });
        try {
            acquire(reserved);
        } catch (FsException e) {
            data.release();
            throw e;
        }
        long index = offset / layout.chunkSizeBytes();
        CompletableFuture<Void> sent = chunks.write(layout, new ChunkId(inode, index),
                offset % layout.chunkSizeBytes(), data);
        sent.whenComplete((ok, e) -> writeBudget.release(reserved));
        inFlight.removeIf(w -> w.done().isDone() && !w.done().isCompletedExceptionally());
        inFlight.add(new InFlight(offset, end, sent));
    }

    /** Waits for a chunk write; its failure is kept for the next write, flush or fsync to report. */
    private void awaitQuietly(InFlight write) {
        try {
            Futures.await(write.done());
        } catch (FsException e) {
            if (deferredError == null) {
                deferredError = e;
            }
        }
    }

    private void acquire(int bytes) throws FsException {
        try {
            writeBudget.acquire(bytes);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FsException(Errno.EIO, "interrupted while waiting for write buffer space");
        }
    }

    private void throwDeferred() throws FsException {
        if (deferredError != null) {
            FsException e = deferredError;
            deferredError = null;
            throw new FsException(e.errno(), "an earlier write to " + inode + " failed: " + e.reason(), e);
        }
    }
}
