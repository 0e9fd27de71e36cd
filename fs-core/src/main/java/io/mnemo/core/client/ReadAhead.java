package io.mnemo.core.client;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.ChunkId;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.model.Layout;
import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
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

    private record Piece(CompletableFuture<byte[]> data, int from, int to, int length) {}

    private final InodeId inode;
    private final Layout layout;
    private final ChunkClient chunks;
    /** 1 MiB, or the chunk size if smaller, so that a segment never crosses a chunk. */
    private final int segmentBytes;

    @GuardedBy("this") private final TreeMap<Long, CompletableFuture<byte[]>> segments = new TreeMap<>();
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
        synchronized (this) {
            boolean sequential = Math.abs(offset - expected) <= 2L * SEGMENT_BYTES;
            expected = offset + length;
            if (sequential) {
                windowBytes = Math.min(Math.max(2 * windowBytes, 2L * SEGMENT_BYTES), MAX_WINDOW_BYTES);
                segments.headMap(segmentStart(offset) - segmentBytes, false).clear(); // keep one behind for stragglers
            } else {
                windowBytes = 0;
                segments.clear();
            }
            int done = 0;
            while (done < length) {
                long position = offset + done;
                long start = segmentStart(position);
                int inSegment = (int) (position - start);
                if (sequential || segments.containsKey(start)) {
                    int n = Math.min(length - done, segmentBytes - inSegment);
                    pieces.add(new Piece(segment(start, fileSize), inSegment, done, n));
                    done += n;
                } else {
                    int n = (int) Math.min(length - done, layout.chunkSizeBytes() - position % layout.chunkSizeBytes());
                    pieces.add(new Piece(fetch(position, n), 0, done, n));
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
        FsException failure = null;
        for (Piece p : pieces) {
            try {
                byte[] data = Futures.await(p.data());
                int available = Math.max(0, Math.min(p.length(), data.length - p.from()));
                if (available > 0) {
                    out.put(base + p.to(), data, p.from(), available);
                }
                // A fetch comes back short at a hole or the end of a chunk: the rest reads as zeros.
                zero(out, base + p.to() + available, p.length() - available);
            } catch (FsException e) {
                synchronized (this) {
                    segments.clear(); // never serve a failed fetch again
                }
                failure = failure == null ? e : failure;
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

    /** The file changed under the window: forget everything fetched. */
    synchronized void invalidate() {
        segments.clear();
        windowBytes = 0;
    }

    @GuardedBy("this")
    private CompletableFuture<byte[]> segment(long start, long fileSize) {
        return segments.computeIfAbsent(start, s ->
                fetch(s, (int) Math.max(0, Math.min(segmentBytes, fileSize - s))));
    }

    private CompletableFuture<byte[]> fetch(long position, int length) {
        if (length == 0) {
            return CompletableFuture.completedFuture(new byte[0]);
        }
        long index = position / layout.chunkSizeBytes();
        return chunks.read(layout, new ChunkId(inode, index), position % layout.chunkSizeBytes(), length)
                .thenApply(ReadAhead::copyAndRelease);
    }

    private static byte[] copyAndRelease(ByteBuf buf) {
        try {
            byte[] bytes = new byte[buf.readableBytes()];
            buf.readBytes(bytes);
            return bytes;
        } finally {
            buf.release();
        }
    }

    private long segmentStart(long position) {
        return position - position % segmentBytes;
    }
}
