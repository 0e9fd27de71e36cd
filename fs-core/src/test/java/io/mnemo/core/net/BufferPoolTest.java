package io.mnemo.core.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The pool's size classes, its bound on idle memory, and what it leaves to Netty. */
@ExtendWith(NettyLeakCheck.class)
class BufferPoolTest {
    @Test
    void aBufferHasExactlyTheCapacityAsked_andItsMemoryServesTheNextOfItsClass() {
        BufferPool pool = new BufferPool(64 << 20);
        ByteBuf first = pool.take(700_000);
        assertEquals(700_000, first.capacity());
        assertEquals(700_000, first.maxCapacity());
        assertEquals(0, first.writerIndex());
        first.writeBytes(new byte[700_000]);
        first.release();
        assertEquals(1 << 20, pool.idleBytes(), "a MiB: the class of 700,000 bytes");

        ByteBuf second = pool.take(1 << 20); // the same class
        assertEquals(0, pool.idleBytes());
        ByteBuf third = pool.take(600_000); // the same class, none idle
        assertEquals(2, pool.inUse());
        second.release();
        third.release();
        assertEquals(2, pool.allocations());
        assertEquals(0, pool.inUse());
        assertEquals(2 << 20, pool.idleBytes());
    }

    @Test
    void sizesOutsideThePooledRange_comeFromNetty() {
        BufferPool pool = new BufferPool(64 << 20);
        for (int size : new int[] {1, BufferPool.MIN_POOLED_BYTES - 1, BufferPool.MAX_POOLED_BYTES + 1}) {
            ByteBuf buffer = pool.take(size);
            assertEquals(size, buffer.capacity());
            assertTrue(buffer.isDirect());
            buffer.release();
        }
        assertEquals(0, pool.allocations());
        assertEquals(0, pool.idleBytes());
    }

    @Test
    void idleBuffers_stayWithinTheBound() {
        BufferPool pool = new BufferPool(3 << 20);
        List<ByteBuf> held = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            held.add(pool.take(1 << 20));
        }
        held.forEach(ByteBuf::release);
        assertEquals(0, pool.inUse());
        assertEquals(5, pool.allocations());
        assertEquals(3 << 20, pool.idleBytes(), "three kept, two left to the garbage collector");
    }
}
