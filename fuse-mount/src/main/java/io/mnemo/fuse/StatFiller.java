package io.mnemo.fuse;

import io.mnemo.core.client.FsStats;
import io.mnemo.core.model.Attributes;
import io.mnemo.core.model.Name;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.Statvfs;
import ru.serce.jnrfuse.struct.Timespec;

/** Fills FUSE's stat and statvfs structs from our attributes. */
final class StatFiller {
    static final int BLOCK_BYTES = 4096;
    private static final long NANOS = 1_000_000_000L;

    private StatFiller() {}

    static void fill(FileStat stat, Attributes a) {
        stat.st_ino.set(a.inode().value());
        stat.st_mode.set(a.statMode());
        stat.st_nlink.set(a.nlink());
        stat.st_uid.set(a.uid());
        stat.st_gid.set(a.gid());
        stat.st_rdev.set(a.rdev());
        stat.st_size.set(a.sizeBytes());
        stat.st_blksize.set(BLOCK_BYTES);
        stat.st_blocks.set((a.sizeBytes() + 511) / 512);
        time(stat.st_atim, a.atimeNanos());
        time(stat.st_mtim, a.mtimeNanos());
        time(stat.st_ctim, a.ctimeNanos());
    }

    /** The type and inode that readdir hands back with each name. */
    static void fillEntry(FileStat stat, long inode, int formatBits) {
        stat.st_ino.set(inode);
        stat.st_mode.set(formatBits);
    }

    static void fill(Statvfs s, FsStats stats) {
        long blocks = stats.capacityBytes() / BLOCK_BYTES;
        long free = Math.max(0, (stats.capacityBytes() - stats.usedBytes()) / BLOCK_BYTES);
        s.f_bsize.set(BLOCK_BYTES);
        s.f_frsize.set(BLOCK_BYTES);
        s.f_blocks.set(blocks);
        s.f_bfree.set(free);
        s.f_bavail.set(free);
        // Inodes are not a fixed pool: report plenty free, as most scale-out file systems do.
        s.f_files.set(stats.inodes() + (1L << 32));
        s.f_ffree.set(1L << 32);
        s.f_favail.set(1L << 32);
        s.f_namemax.set(Name.MAX_BYTES);
    }

    private static void time(Timespec t, long nanos) {
        t.tv_sec.set(Math.floorDiv(nanos, NANOS));
        t.tv_nsec.set(Math.floorMod(nanos, NANOS));
    }
}
