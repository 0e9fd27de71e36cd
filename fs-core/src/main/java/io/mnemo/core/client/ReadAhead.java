package io.mnemo.core.client;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.ChunkId;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.model.Layout;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * Reads for one open file, with readahead for sequential readers: while reads keep arriving
 * near where the last one ended, the window of 1 MiB segments fetched ahead doubles up to
 * {@link #MAX_WINDOW_BYTES}, and since consecutive segments sit on different chains of the
 * stripe they are fetched in parallel. A read elsewhere drops the window and fetches exactly
 * what was asked, so random readers pay for nothing they do not use.
 *
 * <p>The kernel sends a sequential reader's requests from several threads, so they may arrive
 * slightly out of order; "near" allows for that.
 */
final class ReadAhead {
    static final int SEGMENT_BYTES = 1 << 20;
    static final int MAX_WINDOW_BYTES = 32 << 20;
    private static final byte[] ZEROS = new byte[64 * 1024];

    /**
     * Fetched bytes, kept as the buffer they arrived in (no copy, no new array to zero) until
     * nobody needs them: dropped from the window and no reader copying from them. Guarded by the
     * {@link ReadAhead}'s lock.
     */
    private static final class Segment {
        final CompletableFuture<ByteBuf> data;
        int readers;
        boolean dropped;

        Segment(CompletableFuture<ByteBuf> data) {
            this.data = data;
        }
    }

    private record Piece(Segment segment, int from, int to, int length) {}

    private final InodeId inode;
    private final Layout layout;
    private final ChunkClient chunks;
    /** 1 MiB, or the chunk size if smaller, so that a segment never crosses a chunk. */
    private final int segmentBytes;

    @GuardedBy("this") private final TreeMap<Long, Segment> segments = new TreeMap<>();
    @GuardedBy("this") private long expected;
    @GuardedBy("this") private long windowBytes;

    ReadAhead(InodeId inode, Layout layout, ChunkClient chunks) {
        this.inode = inode;
        this.layout = layout;
        this.chunks = chunks;
        this.segmentBytes = Math.min(SEGMENT_BYTES, layout.chunkSizeBytes());
    }

    /**
     * Fills {@code out} (from its position, for its remaining bytes; the position does not move)
     * with the file's bytes at {@code offset}; bytes no chunk holds read as zeros.
     */
    void read(long offset, ByteBuffer out, long fileSize) throws FsException {
        int length = out.remaining();
        int base = out.position();
        List<Piece> pieces = new ArrayList<>();
        List<Piece> exact = new ArrayList<>(); // fetched for this read alone, once the lock is let go
        Segment first = null; // created for this read's first bytes: fetched once the lock is let go
        long firstStart = 0;
        synchronized (this) {
            boolean sequential = Math.abs(offset - expected) <= 2L * SEGMENT_BYTES;
            expected = offset + length;
            if (sequential) {
                windowBytes = Math.min(Math.max(2 * windowBytes, 2L * SEGMENT_BYTES), MAX_WINDOW_BYTES);
                drop(segments.headMap(segmentStart(offset) - segmentBytes, false)); // keep one behind for stragglers
            } else {
                windowBytes = 0;
                drop(segments);
            }
            int done = 0;
            while (done < length) {
                long position = offset + done;
                long start = segmentStart(position);
                int inSegment = (int) (position - start);
                if (sequential || segments.containsKey(start)) {
                    int n = Math.min(length - done, segmentBytes - inSegment);
                    Segment segment = segments.get(start);
                    if (segment == null && done == 0) {
                        segment = first = new Segment(new CompletableFuture<>());
                        firstStart = start;
                        segments.put(start, segment);
                    } else if (segment == null) {
                        segment = segment(start, fileSize);
                    }
                    segment.readers++;
                    pieces.add(new Piece(segment, inSegment, done, n));
                    done += n;
                } else {
                    int n = (int) Math.min(length - done, layout.chunkSizeBytes() - position % layout.chunkSizeBytes());
                    exact.add(new Piece(null, 0, done, n));
                    done += n;
                }
            }
            if (sequential) {
                for (long s = segmentStart(expected); s < Math.min(expected + windowBytes, fileSize);
                        s += segmentBytes) {
                    segment(s, fileSize);
                }
            }
        }
        // What this read needs first is fetched on this thread, which waits for it anyway: an
        // in-process node then serves it at once, while the segments ahead come on its own threads.
        if (first != null) {
            CompletableFuture<ByteBuf> placeholder = first.data;
            try {
                fetch(firstStart, segmentLength(firstStart, fileSize), true).whenComplete((data, e) -> {
                    if (e != null) {
                        placeholder.completeExceptionally(e);
                    } else {
                        placeholder.complete(data);
                    }
                });
            } catch (RuntimeException e) {
                placeholder.completeExceptionally(e); // never leave the other readers of the segment waiting
            }
        }
        // Never in the window: released once this read has copied it. A read within one chunk is
        // fetched on this thread too.
        for (Piece p : exact) {
            Segment own = new Segment(fetch(offset + p.to(), p.length(), exact.size() == 1));
            own.readers = 1;
            own.dropped = true;
            pieces.add(new Piece(own, 0, p.to(), p.length()));
        }
        FsException failure = null;
        for (Piece p : pieces) {
            try {
                ByteBuf data = Futures.await(p.segment().data);
                int available = Math.max(0, Math.min(p.length(), data.readableBytes() - p.from()));
                if (available > 0) {
                    data.getBytes(data.readerIndex() + p.from(),
                            out.duplicate().limit(base + p.to() + available).position(base + p.to()));
                }
                // A fetch comes back short at a hole or the end of a chunk: the rest reads as zeros.
                zero(out, base + p.to() + available, p.length() - available);
            } catch (FsException e) {
                synchronized (this) {
                    drop(segments); // never serve a failed fetch again
                }
                failure = failure == null ? e : failure;
            } finally {
                synchronized (this) {
                    Segment segment = p.segment();
                    if (--segment.readers == 0 && segment.dropped) {
                        release(segment);
                    }
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static void zero(ByteBuffer out, int index, int length) {
        for (int done = 0; done < length; done += ZEROS.length) {
            out.put(index + done, ZEROS, 0, Math.min(ZEROS.length, length - done));
        }
    }

    /** The file changed under the window, or its last handle closed: forget everything fetched. */
    synchronized void invalidate() {
        drop(segments);
        windowBytes = 0;
    }

    /** Takes the segments out of the window; each goes once no reader is copying from it. */
    @GuardedBy("this")
    private void drop(SortedMap<Long, Segment> dropped) {
        for (Segment segment : dropped.values()) {
            segment.dropped = true;
            if (segment.readers == 0) {
                release(segment);
            }
        }
        dropped.clear();
    }

    /** Called once per segment, when it is dropped and unread: its buffer goes back when it arrives. */
    private static void release(Segment segment) {
        segment.data.thenAccept(ByteBuf::release);
    }

    @GuardedBy("this")
    private Segment segment(long start, long fileSize) {
        return segments.computeIfAbsent(start, s -> new Segment(fetch(s, segmentLength(s, fileSize), false)));
    }

    private int segmentLength(long start, long fileSize) {
        return (int) Math.max(0, Math.min(segmentBytes, fileSize - start));
    }

    private CompletableFuture<ByteBuf> fetch(long position, int length, boolean waiting) {
        if (length == 0) {
            return CompletableFuture.completedFuture(Unpooled.EMPTY_BUFFER);
        }
        long index = position / layout.chunkSizeBytes();
        return chunks.read(layout, new ChunkId(inode, index), position % layout.chunkSizeBytes(), length, waiting);
    }

    private long segmentStart(long position) {
        return position - position % segmentBytes;
    }
}
