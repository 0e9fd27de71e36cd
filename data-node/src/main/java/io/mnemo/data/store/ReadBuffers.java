package io.mnemo.data.store;

import static io.mnemo.data.store.Checksums.BLOCK_BYTES;

import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledDirectByteBuf;
import java.nio.ByteBuffer;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The buffers large chunk reads are read into: direct memory kept by the store and used again.
 *
 * <p>Why: Netty's allocator gave a read of 1 MiB (a read-ahead segment) a newly allocated direct
 * chunk, zeroed, most of the time. In a cold 1 GiB read through the mount that zeroing took a third
 * of the data handlers' busy time (a wall-clock profile), and on the VM of BENCHMARKS.md every
 * page of memory touched for the first time costs about 17 µs. A buffer from here goes back to the
 * pool when its last reference is released, wherever that happens: in Netty once the reply is
 * written, or in a client in the same process once it has copied the bytes.
 *
 * <p>At most {@link #BUFFERS} are ever allocated; a read that finds none idle, or that is too small
 * or too large for them, gets its buffer from Netty as before. It is an allocator only so that
 * Netty's leak detector tracks its buffers like any other.
 */
final class ReadBuffers extends AbstractByteBufAllocator {
    /** Smaller reads come from Netty's allocator, which pools small sizes well. */
    static final int MIN_POOLED_BYTES = 128 * 1024;
    /** A read-ahead segment of 1 MiB, whole blocks, at any block offset. */
    static final int BUFFER_BYTES = (1 << 20) + BLOCK_BYTES;
    /** Per store: enough for the read-ahead windows of a few sequential readers at once. */
    static final int BUFFERS = 32;

    private final BlockingQueue<ByteBuffer> idle = new ArrayBlockingQueue<>(BUFFERS);
    private final AtomicInteger allocated = new AtomicInteger();

    ReadBuffers() {
        super(true);
    }

    /** An empty buffer of {@code capacityBytes}, pooled if it can be. */
    ByteBuf allocate(int capacityBytes) {
        ByteBuffer memory = capacityBytes >= MIN_POOLED_BYTES && capacityBytes <= BUFFER_BYTES ? borrow() : null;
        return memory == null
                ? ByteBufAllocator.DEFAULT.ioBuffer(capacityBytes)
                : toLeakAwareBuffer(new Pooled(memory, capacityBytes));
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

    /** Pooled buffers in use now: taken and not yet released. */
    int inUse() {
        return allocated.get() - idle.size();
    }

    /** Pooled buffers allocated since the store opened. */
    int allocated() {
        return allocated.get();
    }

    private ByteBuffer borrow() {
        ByteBuffer memory = idle.poll();
        if (memory == null && allocated.getAndUpdate(n -> n < BUFFERS ? n + 1 : n) < BUFFERS) {
            memory = ByteBuffer.allocateDirect(BUFFER_BYTES);
        }
        return memory;
    }

    /** A buffer over pooled memory, which its last release gives back. */
    private final class Pooled extends UnpooledDirectByteBuf {
        private final ByteBuffer memory;

        Pooled(ByteBuffer memory, int capacityBytes) {
            super(ReadBuffers.this, memory.clear().limit(capacityBytes), capacityBytes);
            this.memory = memory;
            clear(); // wrapping a buffer counts its bytes as written
        }

        @Override
        protected void deallocate() {
            super.deallocate(); // frees nothing: the memory is not the ByteBuf's own
            idle.add(memory);
        }
    }
}
