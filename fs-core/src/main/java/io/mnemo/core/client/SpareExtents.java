package io.mnemo.core.client;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * Full-size write extents kept for reuse. A streaming writer fills one extent of the largest chunk
 * write after another; allocating each anew cost a zeroed 4 MiB {@code allocateDirect} (Netty's
 * pool gives an allocation that size a pool chunk of its own and frees it with the extent), which
 * was a tenth of the mount's CPU during a sequential write. An extent comes back only after its
 * chunk write succeeded, when no request can still be reading it; a failed one is left to the
 * garbage collector.
 */
final class SpareExtents {
    private final int extentBytes;
    private final ArrayBlockingQueue<ByteBuffer> spare;

    /** Keeps at most {@code maxSpare} idle extents of {@code extentBytes} each. */
    SpareExtents(int extentBytes, int maxSpare) {
        this.extentBytes = extentBytes;
        this.spare = new ArrayBlockingQueue<>(maxSpare);
    }

    int extentBytes() {
        return extentBytes;
    }

    /** An empty extent of {@link #extentBytes}, and the memory to hand back to {@link #recycle}. */
    ByteBuffer take() {
        ByteBuffer memory = spare.poll();
        return memory != null ? memory.clear() : ByteBuffer.allocateDirect(extentBytes);
    }

    /** The extent over {@code memory}, empty, unable to grow (it is full size already). */
    static ByteBuf wrap(ByteBuffer memory) {
        return Unpooled.wrappedBuffer(memory).clear();
    }

    void recycle(ByteBuffer memory) {
        spare.offer(memory);
    }
}
