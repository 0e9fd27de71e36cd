package io.mnemo.meta;

import io.mnemo.core.model.InodeId;
import io.mnemo.meta.store.ReadView;
import io.mnemo.meta.store.Schema;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Hands out new inode ids on the leader, before proposing: partition 0, sequences above every
 * one ever applied (the store's {@code next-inode}, read once every committed entry is applied).
 * An id whose create fails is simply never used.
 */
final class InodeAllocator {
    private static final int PARTITION = 0;
    private final AtomicLong next;

    private InodeAllocator(long next) {
        this.next = new AtomicLong(next);
    }

    static InodeAllocator from(ReadView store) {
        return new InodeAllocator(Math.max(InodeId.ROOT.sequence() + 1, store.get(Schema.NEXT_INODE).orElse(0L)));
    }

    InodeId next() {
        return InodeId.of(PARTITION, next.getAndIncrement());
    }
}
