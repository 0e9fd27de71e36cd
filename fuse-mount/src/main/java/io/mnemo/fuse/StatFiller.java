package io.mnemo.fuse;

import io.mnemo.core.client.FsStats;
import io.mnemo.core.model.Attributes;
import io.mnemo.core.model.Name;
import java.time.Duration;

/** Writes our attributes as the kernel's {@code fuse_attr}, {@code fuse_entry_out} and {@code fuse_kstatfs}. */
final class StatFiller {
    static final int BLOCK_BYTES = 4096;
    private static final long NANOS = 1_000_000_000L;
    private static final byte[] NO_ATTR = new byte[88]; // sizeof(struct fuse_attr)

    private StatFiller() {}

    /** {@code fuse_entry_out}: the name's inode, how long the name and the attributes may be cached, the attributes. */
    static void entry(FuseReply reply, Attributes a, Duration entryTimeout, Duration attrTimeout) {
        reply.u64(a.inode().value()).u64(0); // inode numbers are never reused: generation 0
        reply.u64(entryTimeout.toSeconds()).u64(attrTimeout.toSeconds());
        reply.u32(entryTimeout.toNanosPart()).u32(attrTimeout.toNanosPart());
        attr(reply, a);
    }

    /** A negative entry: the name does not exist, and the kernel may remember that for {@code timeout}. */
    static void negativeEntry(FuseReply reply, Duration timeout) {
        reply.u64(0).u64(0).u64(timeout.toSeconds()).u64(0).u32(timeout.toNanosPart()).u32(0);
        reply.bytes(NO_ATTR);
    }

    /** {@code fuse_attr_out}. */
    static void attrOut(FuseReply reply, Attributes a, Duration attrTimeout) {
        reply.u64(attrTimeout.toSeconds()).u32(attrTimeout.toNanosPart()).u32(0);
        attr(reply, a);
    }

    private static void attr(FuseReply reply, Attributes a) {
        reply.u64(a.inode().value()).u64(a.sizeBytes()).u64((a.allocatedBytes() + 511) / 512);
        reply.u64(Math.floorDiv(a.atimeNanos(), NANOS)).u64(Math.floorDiv(a.mtimeNanos(), NANOS))
                .u64(Math.floorDiv(a.ctimeNanos(), NANOS));
        reply.u32((int) Math.floorMod(a.atimeNanos(), NANOS)).u32((int) Math.floorMod(a.mtimeNanos(), NANOS))
                .u32((int) Math.floorMod(a.ctimeNanos(), NANOS));
        reply.u32(a.statMode()).u32(a.nlink()).u32(a.uid()).u32(a.gid()).u32(a.rdev());
        reply.u32(BLOCK_BYTES).u32(0);
    }

    /** {@code fuse_kstatfs}. */
    static void statfs(FuseReply reply, FsStats stats) {
        long blocks = stats.capacityBytes() / BLOCK_BYTES;
        // As ext4 does with its reserved blocks: "free" is all not used by us (df's Used is then
        // our data), "available" what can be written (less, when the disks hold other files too).
        long free = Math.max(0, stats.capacityBytes() - stats.usedBytes()) / BLOCK_BYTES;
        long available = Math.min(free, stats.freeBytes() / BLOCK_BYTES);
        // Inodes are not a fixed pool: report plenty free, as most scale-out file systems do.
        reply.u64(blocks).u64(free).u64(available).u64(stats.inodes() + (1L << 32)).u64(1L << 32);
        reply.u32(BLOCK_BYTES).u32(Name.MAX_BYTES).u32(BLOCK_BYTES).u32(0);
        for (int i = 0; i < 6; i++) {
            reply.u32(0);
        }
    }
}
