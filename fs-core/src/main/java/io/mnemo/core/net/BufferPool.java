package io.mnemo.core.net;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;
import java.nio.ByteBuffer;
import java.util.Deque;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Direct memory for large buffers (chunk reads, the data of large frames), kept and used again.
 *
 * <p>Why: Netty's allocator gave most buffers of a MiB or more newly allocated direct memory,
 * which the JDK zeroes. In a cold 1 GiB read through {@code mnemo up} that zeroing took a third of
 * the data handlers' busy time; through a mount whose data nodes ran in other processes, half of
 * the mount's event loop (CPU profiles, see BENCHMARKS.md). And on the VM of BENCHMARKS.md every
 * page of memory touched for the first time costs about 17 µs.
 *
 * <p>Sizes from {@link #MIN_POOLED_BYTES} to {@link #MAX_POOLED_BYTES} come from page-aligned
 * buffers of the next power of two (the part never used is never touched, so it takes no memory).
 * A buffer goes back to the pool when its last reference is released, wherever that happens,
 * unless the pool's idle buffers would then exceed its bound; then the garbage collector frees it.
 * Other sizes come from Netty's allocator. The pool is an allocator only so that Netty's leak
 * detector tracks its buffers like any other.
 */
public final class BufferPool extends AbstractByteBufAllocator {
    /** A chunk's block; smaller buffers come from Netty's allocator, which pools small sizes well. */
    public static final int MIN_POOLED_BYTES = 64 * 1024;
    /** The largest pooled size: a frame's data is at most 9 MiB. */
    public static final int MAX_POOLED_BYTES = 16 << 20;
    /** Pooled memory starts on a page, as reads with {@code O_DIRECT} need. */
    private static final int PAGE_BYTES = 4096;
    private static final int MIN_SHIFT = Integer.numberOfTrailingZeros(MIN_POOLED_BYTES);
    private static final int CLASSES = Integer.numberOfTrailingZeros(MAX_POOLED_BYTES) - MIN_SHIFT + 1;

    /** The process's pool: the data nodes' reads and every connection's large frames. */
    public static final BufferPool SHARED = new BufferPool(64L << 20);

    private final long maxIdleBytes;
    @SuppressWarnings("unchecked")
    private final Deque<ByteBuffer>[] idle = new Deque[CLASSES];
    private final AtomicLong idleBytes = new AtomicLong();
    private final LongAdder allocations = new LongAdder();
    private final AtomicInteger inUse = new AtomicInteger();

    /** A pool that keeps at most {@code maxIdleBytes} of buffers nobody uses. */
    public BufferPool(long maxIdleBytes) {
        super(true);
        this.maxIdleBytes = maxIdleBytes;
        for (int i = 0; i < CLASSES; i++) {
            idle[i] = new ConcurrentLinkedDeque<>();
        }
    }

    /** An empty direct buffer of exactly {@code capacityBytes}, pooled if its size is. */
    public ByteBuf take(int capacityBytes) {
        if (capacityBytes < MIN_POOLED_BYTES || capacityBytes > MAX_POOLED_BYTES) {
            return ByteBufAllocator.DEFAULT.directBuffer(capacityBytes, capacityBytes);
        }
        int sizeClass = 32 - Integer.numberOfLeadingZeros(capacityBytes - 1) - MIN_SHIFT;
        ByteBuffer memory = idle[sizeClass].pollFirst(); // the most recently used: likelier in the CPU's caches
        if (memory != null) {
            idleBytes.addAndGet(-memory.capacity());
        } else {
            int bytes = MIN_POOLED_BYTES << sizeClass;
            memory = ByteBuffer.allocateDirect(bytes + PAGE_BYTES).alignedSlice(PAGE_BYTES).limit(bytes).slice();
            allocations.increment();
        }
        inUse.incrementAndGet();
        return toLeakAwareBuffer(new Pooled(memory, sizeClass, capacityBytes));
    }

    /** Buffers this pool allocated since it was made (each one is then used again). */
    public long allocations() {
        return allocations.sum();
    }

    /** Pooled buffers taken and not yet released. */
    public int inUse() {
        return inUse.get();
    }

    /** Bytes of buffers waiting to be used again. */
    public long idleBytes() {
        return idleBytes.get();
    }

    @Override
    public boolean isDirectBufferPooled() {
        return true;
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
        return ByteBufAllocator.DEFAULT.heapBuffer(initialCapacity, maxCapacity);
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
        return ByteBufAllocator.DEFAULT.directBuffer(initialCapacity, maxCapacity);
    }

    private void giveBack(ByteBuffer memory, int sizeClass) {
        inUse.decrementAndGet();
        if (idleBytes.addAndGet(memory.capacity()) <= maxIdleBytes) {
            idle[sizeClass].offerFirst(memory);
        } else {
            idleBytes.addAndGet(-memory.capacity()); // left to the garbage collector
        }
    }

    /** A buffer over pooled memory, which its last release gives back. */
    private final class Pooled extends UnpooledDirectByteBuf {
        private final ByteBuffer memory;
        private final int sizeClass;

        Pooled(ByteBuffer memory, int sizeClass, int capacityBytes) {
            super(BufferPool.this, memory.clear().limit(capacityBytes), capacityBytes);
            this.memory = memory;
            this.sizeClass = sizeClass;
            clear(); // wrapping a buffer counts its bytes as written
        }

        @Override
        protected void deallocate() {
            super.deallocate(); // frees nothing: the memory is not the ByteBuf's own
            giveBack(memory, sizeClass);
        }
    }
}
