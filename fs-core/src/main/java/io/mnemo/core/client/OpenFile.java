package io.mnemo.core.client;

import com.google.common.collect.Range;
import com.google.common.collect.RangeSet;
import com.google.common.collect.TreeRangeSet;
import com.google.protobuf.ByteString;
import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.ChunkId;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.model.Layout;
import io.mnemo.core.proto.InlineWrite;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import com.google.errorprone.annotations.concurrent.GuardedBy;

/**
 * The client's state for one regular file that is open, shared by all its handles in this
 * client: the known length, and the write buffer that coalesces small writes into large
 * chunk writes sent several at a time across the stripe.
 *
 * <p>Writes are acknowledged once buffered; a failure of a deferred chunk write is kept and
 * thrown by the next write, flush or fsync. Reads first wait for this file's writes in flight,
 * so a handle always reads what any handle of this client wrote.
 *
 * <p>A small file stored inline (in the metadata service) is held whole in memory while open:
 * reads and writes touch only that copy, and flush sends back the ranges this client wrote
 * ({@link #unsentInline}), never the rest of the copy, which other clients may have changed since.
 * A write past {@link #INLINE_LIMIT_BYTES} moves the file to chunks for good, through the client's
 * {@link Mover}, which talks to the metadata service.
 */
final class OpenFile {
    /** A chunk write sent and not yet known to be finished. */
    private record InFlight(long offset, long end, CompletableFuture<Void> done) {
        boolean overlaps(long otherOffset, long otherEnd) {
            return offset < otherEnd && otherOffset < end;
        }
    }

    /** Moves a file out of inline storage (see {@code MnemoClient}); returns once this client's copy has left it. */
    @FunctionalInterface
    interface Mover {
        void moveToChunks(OpenFile file) throws FsException;
    }

    /** The largest file the client keeps inline; the metadata service may allow less (it says EFBIG). */
    static final int INLINE_LIMIT_BYTES = 64 * 1024;
    /** A write at least this long comes from a streaming writer. */
    private static final int STREAMING_WRITE_BYTES = 1 << 20;

    private final InodeId inode;
    private final Layout layout;
    private final ChunkClient chunks;
    private final Semaphore writeBudget;
    private final int maxWriteBytes;
    private final SpareExtents spareExtents;
    private final ReadAhead readAhead;
    private final Runnable pressure;
    private final Mover mover;
    private final Object appendOrder = new Object();

    @GuardedBy("this") private long sizeBytes;
    @GuardedBy("this") private boolean dirty;
    /** When this client last changed the file's bytes (wall clock, nanoseconds): the mtime its commit sets. */
    @GuardedBy("this") private long modifiedNanos;
    /** Bytes this client wrote since its last commit, which adds them to the file's written bytes. */
    @GuardedBy("this") private long writtenSinceCommit;
    /** This client committed changes to the file that nobody has synced since: close must sync them. */
    @GuardedBy("this") private boolean unsynced;
    @GuardedBy("this") private int references;
    @GuardedBy("this") private ByteBuf extent;
    /** The reusable memory under {@link #extent}, when it came from {@link #spareExtents}. */
    @GuardedBy("this") private ByteBuffer extentMemory;
    @GuardedBy("this") private long extentOffset;
    @GuardedBy("this") private final List<InFlight> inFlight = new ArrayList<>();
    @GuardedBy("this") private FsException deferredError;
    /**
     * The ranges whose last chunk write failed (a later write of the same bytes that succeeds
     * takes its range out): a commit of the length stops where the first begins, so that bytes
     * that never reached a data node do not read back as zeros later.
     */
    @GuardedBy("this") private final RangeSet<Long> failed = TreeRangeSet.create();
    /**
     * The whole file while it is stored inline, as the metadata service sent it, until this client
     * first changes it (then {@link #inline} holds it and this is null): most opens only read.
     */
    @GuardedBy("this") private ByteString inlineSent;
    /** The whole file while it is stored inline, once this client changed it; bytes past sizeBytes are zero. */
    @GuardedBy("this") private byte[] inline;
    /** The ranges of {@link #inline} this client wrote since the last flush. */
    @GuardedBy("this") private final RangeSet<Long> unsentInline = TreeRangeSet.create();

    OpenFile(InodeId inode, Layout layout, long sizeBytes, ByteString inlineData, ChunkClient chunks,
            Semaphore writeBudget, SpareExtents spareExtents, Runnable pressure, Mover mover) {
        this.inode = inode;
        this.layout = layout;
        this.sizeBytes = sizeBytes;
        this.inlineSent = inlineData;
        this.chunks = chunks;
        this.writeBudget = writeBudget;
        this.maxWriteBytes = spareExtents.extentBytes();
        this.spareExtents = spareExtents;
        this.readAhead = new ReadAhead(inode, layout, chunks);
        this.pressure = pressure;
        this.mover = mover;
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

    synchronized long modifiedNanos() {
        return modifiedNanos;
    }

    synchronized long writtenSinceCommit() {
        return writtenSinceCommit;
    }

    /** Marks unsent changes, made now: {@code bytes} written. */
    @GuardedBy("this")
    private void changed(long bytes) {
        dirty = true;
        writtenSinceCommit += bytes;
        Instant now = Instant.now();
        modifiedNanos = now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    synchronized void retain() {
        references++;
    }

    /** Gives back the buffers the readahead holds; later reads fetch again. */
    void dropReadAhead() {
        readAhead.invalidate();
    }

    /** Drops one reference; true when it was the last, and the file's readahead is dropped. */
    synchronized boolean releaseReference() {
        if (--references > 0) {
            return false;
        }
        dropReadAhead();
        return true;
    }

    /** A new open saw the server's state; adopt it unless this client has unsent changes. */
    synchronized void refresh(long serverSizeBytes, ByteString inlineData) {
        if (!dirty) {
            sizeBytes = serverSizeBytes;
            inlineSent = inlineData;
            inline = null;
        }
    }

    synchronized boolean isInline() {
        return inline != null || inlineSent != null;
    }

    /** The inline copy for changing it, at least {@code minLength} bytes long (within the inline limit). */
    @GuardedBy("this")
    private byte[] writableInline(long minLength) {
        if (inline == null) {
            inline = inlineSent.toByteArray();
            inlineSent = null;
        }
        if (inline.length < minLength) {
            inline = Arrays.copyOf(inline, (int) Math.min(INLINE_LIMIT_BYTES, Math.max(minLength, 2L * inline.length)));
        }
        return inline;
    }

    /** Copies the inline bytes at {@code offset} into {@code target} from its index 0; zeros past what is stored. */
    @GuardedBy("this")
    private void readInline(long offset, ByteBuffer target) {
        int n = target.remaining();
        int length = inline != null ? inline.length : inlineSent.size();
        int stored = (int) Math.max(0, Math.min(n, Math.min(length, sizeBytes) - offset));
        if (stored > 0 && inline != null) {
            target.put(0, inline, (int) offset, stored);
        } else if (stored > 0) {
            inlineSent.substring((int) offset, (int) offset + stored).copyTo(target.duplicate());
        }
        if (stored < n) {
            target.put(stored, new byte[n - stored]);
        }
    }

    /** What this client wrote inline since the last flush, in offset order; null once the file lives in chunks. */
    synchronized List<InlineWrite> unsentInline() {
        if (!isInline()) {
            return null;
        }
        List<InlineWrite> writes = new ArrayList<>();
        for (Range<Long> r : unsentInline.asRanges()) {
            int from = r.lowerEndpoint().intValue();
            writes.add(InlineWrite.newBuilder().setOffset(from)
                    .setData(ByteString.copyFrom(inline, from, r.upperEndpoint().intValue() - from)).build());
        }
        return writes;
    }

    /**
     * For a move out of inline storage: writes {@code stored}, the metadata service's inline copy
     * as it is now (null if the file is no longer inline), and this client's unsent inline writes
     * over it to chunks, and waits for them. The file stays inline here until {@link #leftInline}.
     *
     * @return the end of the bytes written
     */
    synchronized long copyToChunks(byte[] stored) throws FsException {
        return copyToChunks(chunks, layout, inode, stored, inline, unsentInline);
    }

    /**
     * Writes {@code stored} (null: nothing) and the {@code own} ranges of {@code mine} to chunks,
     * and waits for them. The own ranges are left out of the stored copy rather than written over
     * it, so that no two of these writes overlap and their order does not matter.
     */
    static long copyToChunks(ChunkClient chunks, Layout layout, InodeId inode, byte[] stored, byte[] mine,
            RangeSet<Long> own) throws FsException {
        List<CompletableFuture<Void>> writes = new ArrayList<>();
        long end = 0;
        if (stored != null) {
            RangeSet<Long> theirs = TreeRangeSet.create();
            theirs.add(Range.closedOpen(0L, (long) stored.length));
            theirs.removeAll(own);
            theirs.asRanges().forEach(r -> writeDirectly(chunks, layout, inode, stored, r, writes));
            end = stored.length;
        }
        for (Range<Long> r : own.asRanges()) {
            writeDirectly(chunks, layout, inode, mine, r, writes);
            end = Math.max(end, r.upperEndpoint());
        }
        FsException failure = null;
        for (CompletableFuture<Void> w : writes) {
            try {
                Futures.await(w);
            } catch (FsException e) {
                failure = failure == null ? e : failure;
            }
        }
        if (failure != null) {
            throw failure;
        }
        return end;
    }

    /** Sends {@code range} of {@code source} (file offsets) as chunk writes, bypassing the write buffer. */
    private static void writeDirectly(ChunkClient chunks, Layout layout, InodeId inode, byte[] source, Range<Long> range,
            List<CompletableFuture<Void>> writes) {
        long chunkSize = layout.chunkSizeBytes();
        for (long at = range.lowerEndpoint(); at < range.upperEndpoint(); ) {
            int n = (int) (Math.min(range.upperEndpoint(), (at / chunkSize + 1) * chunkSize) - at);
            writes.add(chunks.write(layout, new ChunkId(inode, at / chunkSize), at % chunkSize,
                    Unpooled.wrappedBuffer(source, (int) at, n)));
            at += n;
        }
    }

    /** The file lives in chunks now, with bytes up to {@code endBytes} there; the next flush commits the length. */
    synchronized void leftInline(long endBytes) {
        inline = null;
        inlineSent = null;
        unsentInline.clear();
        sizeBytes = Math.max(sizeBytes, endBytes);
        changed(0);
        readAhead.invalidate();
    }

    /** Writes into the inline copy while the file fits, else (moving it first if need be) to chunks. */
    void write(long offset, ByteBuf data) throws FsException {
        int length = data.readableBytes();
        synchronized (this) {
            throwDeferred();
            if (isInline() && offset + length <= INLINE_LIMIT_BYTES) {
                data.getBytes(data.readerIndex(), writableInline(offset + length), (int) offset, length);
                unsentInline.add(Range.closedOpen(offset, offset + length));
                sizeBytes = Math.max(sizeBytes, offset + length);
                changed(length);
                return;
            }
        }
        if (isInline()) {
            mover.moveToChunks(this);
        }
        writeToChunks(offset, data);
    }

    /**
     * Buffers {@code data} for {@code offset}. Buffered and in-flight bytes of all files share the
     * client's bound: a writer that needs room waits for it without holding this file's lock,
     * after asking the other open files to send what they hold ({@code pressure}).
     */
    private void writeToChunks(long offset, ByteBuf data) throws FsException {
        int length = data.readableBytes();
        int done = 0;
        int reserved = 0; // budget this call acquired for a new extent and has not used yet
        try {
            while (true) {
                int needed;
                synchronized (this) {
                    throwDeferred();
                    while (done < length) {
                        long position = offset + done;
                        if (extent != null && (position != extentOffset + extent.readableBytes()
                                || extent.maxWritableBytes() == 0)) {
                            sendExtent();
                        }
                        if (extent == null) {
                            int capacity = extentCapacityAt(position);
                            if (reserved < capacity) {
                                break;
                            }
                            if (capacity == maxWriteBytes && length - done >= STREAMING_WRITE_BYTES) {
                                // A streaming writer (1 MiB FUSE writes): a whole reused extent.
                                extentMemory = spareExtents.take();
                                extent = SpareExtents.wrap(extentMemory);
                            } else {
                                // Pooled and off-heap (extents on the heap were G1 humongous objects,
                                // and a file channel copies a heap buffer to a direct one anyway),
                                // starting small and growing as needed.
                                extent = PooledByteBufAllocator.DEFAULT.directBuffer(Math.min(capacity, 256 * 1024),
                                        capacity);
                            }
                            extentOffset = position;
                            reserved -= capacity;
                        }
                        int n = Math.min(length - done, extent.maxWritableBytes());
                        extent.writeBytes(data, data.readerIndex() + done, n);
                        done += n;
                        sizeBytes = Math.max(sizeBytes, position + n);
                        changed(n);
                    }
                    readAhead.invalidate();
                    if (done == length) {
                        return;
                    }
                    needed = extentCapacityAt(offset + done) - reserved;
                }
                acquire(needed);
                reserved += needed;
            }
        } finally {
            if (reserved > 0) {
                writeBudget.release(reserved);
            }
        }
    }

    /** Writes at the current end of the file, atomically with respect to this client's other appenders. */
    long append(ByteBuf data) throws FsException {
        synchronized (appendOrder) {
            long offset = sizeBytes();
            write(offset, data);
            return offset;
        }
    }

    /** Sends the buffered extent, if any, to make room for other files' writes. */
    synchronized void sendBuffered() {
        sendExtent();
    }

    private int extentCapacityAt(long position) {
        long chunkEnd = (position / layout.chunkSizeBytes() + 1) * layout.chunkSizeBytes();
        return (int) Math.min(maxWriteBytes, chunkEnd - position);
    }

    /** Sends what is buffered and waits for every chunk write of this file to finish. */
    synchronized void drain() throws FsException {
        sendExtent();
        List<InFlight> waiting = new ArrayList<>(inFlight);
        inFlight.clear();
        waiting.forEach(this::awaitQuietly);
        throwDeferred();
    }

    /** After a successful commit of the length (or inline contents) to metadata. */
    synchronized void markClean() {
        dirty = false;
        writtenSinceCommit = 0;
        unsentInline.clear();
        unsynced = true;
    }

    /** Whether this client changed the file since it was last synced; clears the mark. */
    synchronized boolean claimUnsynced() {
        boolean was = unsynced;
        unsynced = false;
        return was;
    }

    /** A sync failed: the changes it was for are still not durable. */
    synchronized void markUnsynced() {
        unsynced = true;
    }

    /** Reads up to {@code length} bytes at {@code offset}; fewer only at the end of the file. */
    byte[] read(long offset, int length) throws FsException {
        byte[] out = new byte[(int) Math.max(0, Math.min(length, sizeBytes() - offset))];
        int n = read(offset, ByteBuffer.wrap(out));
        return n == out.length ? out : Arrays.copyOf(out, n);
    }

    /**
     * Reads into {@code out}, from its position for at most its remaining bytes (the position does
     * not move); returns how many bytes the file had there, fewer at its end.
     */
    int read(long offset, ByteBuffer out) throws FsException {
        long size;
        synchronized (this) {
            if (extent != null || !inFlight.isEmpty()) {
                drain();
            }
            size = sizeBytes;
        }
        if (offset >= size || !out.hasRemaining()) {
            return 0;
        }
        int n = (int) Math.min(out.remaining(), size - offset);
        ByteBuffer target = out.slice(out.position(), n);
        synchronized (this) {
            if (isInline()) {
                readInline(offset, target);
                return n;
            }
        }
        readAhead.read(offset, target, size);
        return n;
    }

    /**
     * If this client holds the file open once only, inline, with nothing unsent: copies it whole to
     * {@code out} from its position (which does not move) and answers its length; else -1.
     */
    synchronized int copyIfSoleInline(ByteBuffer out) {
        if (references != 1 || !isInline() || dirty || sizeBytes > out.remaining()) {
            return -1;
        }
        int n = (int) sizeBytes;
        readInline(0, out.slice(out.position(), n));
        return n;
    }

    /** The file was truncated to {@code newSize} (its chunks already cut): forget anything beyond. */
    synchronized void truncated(long newSize) {
        if (isInline()) {
            if (newSize < sizeBytes) {
                byte[] bytes = writableInline(0);
                Arrays.fill(bytes, (int) Math.min(newSize, bytes.length), (int) Math.min(sizeBytes, bytes.length), (byte) 0);
            } else {
                writableInline(newSize); // only called with newSize within the inline limit
            }
            unsentInline.remove(Range.atLeast(newSize)); // the metadata service cuts its copy too
        }
        sizeBytes = newSize;
        unsynced = true;
        readAhead.invalidate();
    }

    /** Sends the buffered extent; its budget, reserved when it was allocated, returns when the write ends. */
    private void sendExtent() {
        if (extent == null) {
            return;
        }
        ByteBuf data = extent;
        ByteBuffer memory = extentMemory;
        long offset = extentOffset;
        extent = null;
        extentMemory = null;
        int reserved = data.maxCapacity();
        long end = offset + data.readableBytes();
        // Requests may overtake each other on the way to the data node: a write must not race an
        // earlier one to the same bytes, or the older data could land last.
        inFlight.removeIf(w -> {
            if (w.overlaps(offset, end)) {
                awaitQuietly(w);
                return true;
            }
            return false;
        });
        long index = offset / layout.chunkSizeBytes();
        CompletableFuture<Void> sent = chunks.write(layout, new ChunkId(inode, index),
                offset % layout.chunkSizeBytes(), data);
        sent.whenComplete((ok, e) -> {
            writeBudget.release(reserved);
            if (e == null && memory != null) {
                spareExtents.recycle(memory);
            }
        });
        inFlight.removeIf(w -> {
            if (w.done().isDone() && !w.done().isCompletedExceptionally()) {
                failed.remove(Range.closedOpen(w.offset(), w.end()));
                return true;
            }
            return false;
        });
        inFlight.add(new InFlight(offset, end, sent));
    }

    /** Waits for a chunk write; its failure is kept for the next write, flush or fsync to report. */
    private void awaitQuietly(InFlight write) {
        try {
            Futures.await(write.done());
            failed.remove(Range.closedOpen(write.offset(), write.end()));
        } catch (FsException e) {
            failed.add(Range.closedOpen(write.offset(), write.end()));
            if (deferredError == null) {
                deferredError = e;
            }
        }
    }

    /** The length a commit may give the file: its size, but not past a chunk write that failed. */
    synchronized long committableSize() {
        return failed.isEmpty() ? sizeBytes : Math.min(sizeBytes, failed.span().lowerEndpoint());
    }

    /** Waits for room in the client's bound, pushing other files' idle buffers out while it waits. */
    private void acquire(int bytes) throws FsException {
        try {
            while (!writeBudget.tryAcquire(bytes, 20, TimeUnit.MILLISECONDS)) {
                pressure.run();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FsException(Errno.EIO, "interrupted while waiting for write buffer space");
        }
    }

    /** Keeps a failure of a flush that was not the caller's own, for the next write, flush or fsync to report. */
    synchronized void keepError(FsException e) {
        if (deferredError == null) {
            // Unwrapped if it came from throwDeferred, so that it is not described twice.
            deferredError = e.getCause() instanceof FsException original ? original : e;
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
