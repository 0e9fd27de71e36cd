package io.mnemo.data.store;

import static io.mnemo.data.store.Checksums.BLOCK_BYTES;
import static io.mnemo.data.store.Checksums.ZERO_BLOCK_CRC;
import static io.mnemo.data.store.Checksums.blockCount;
import static io.mnemo.data.store.Checksums.blockOf;
import static io.mnemo.data.store.Checksums.blockStart;
import static io.mnemo.data.store.Checksums.crcOf;
import static io.mnemo.data.store.Checksums.presentBytes;

import io.mnemo.core.model.ChunkId;
import io.mnemo.core.model.InodeId;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a chunk store does before it serves: takes in chunk files its index has never seen, and
 * makes every chunk that was unclean when the node stopped (see {@link ChunkMeta}) clean again, by
 * the rule in {@link FileChunkStore}'s class comment. Returns the bytes the chunks hold, summed
 * from the index: no walk over the chunk files.
 */
final class ChunkRecovery {
    private static final Logger LOG = LoggerFactory.getLogger(FileChunkStore.class);
    private static final Path BOOT_ID = Path.of("/proc/sys/kernel/random/boot_id");

    private final Path dir;
    private final ChunkIndex index;
    private final String bootId;
    private final byte[] scratch = new byte[BLOCK_BYTES];

    /**
     * @param bootId the boot id of the running machine; null when unknown, which recovers as if
     *     the machine had restarted (the cautious case)
     */
    ChunkRecovery(Path dir, ChunkIndex index, String bootId) {
        this.dir = dir;
        this.index = index;
        this.bootId = bootId;
    }

    /** Linux's id of the running boot; null where there is none. */
    static String currentBootId() {
        try {
            return Files.readString(BOOT_ID, StandardCharsets.US_ASCII).trim();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Recovers the store in {@code dir}; returns the bytes its chunks hold. */
    long run() throws IOException {
        long usedBytes;
        if (!index.formatted()) {
            usedBytes = adoptChunkFiles();
            index.markFormatted();
        } else {
            boolean machineStayedUp = bootId != null && bootId.equals(index.bootId());
            long[] sum = {0};
            Map<ChunkId, ChunkMeta> unclean = new LinkedHashMap<>();
            index.forEachChunk((chunk, meta) -> {
                sum[0] += meta.lengthBytes();
                if (meta.unclean()) {
                    unclean.put(chunk, meta);
                }
            });
            for (Map.Entry<ChunkId, ChunkMeta> chunk : unclean.entrySet()) {
                recover(chunk.getKey(), chunk.getValue(), machineStayedUp);
            }
            if (!unclean.isEmpty()) {
                LOG.info("checked {} chunks in {} written since their last sync ({})", unclean.size(), dir,
                        machineStayedUp ? "the node stopped, the machine stayed up"
                                : "the machine restarted, or its boot is unknown");
            }
            usedBytes = sum[0];
        }
        // A synced write: it also makes every recovery above durable.
        index.recordBootId(bootId == null ? "unknown" : bootId);
        return usedBytes;
    }

    /**
     * Brings one unclean chunk back to clean. Only the blocks unsynced writes may have touched are
     * read: every block when bytes below the synced length were overwritten, else those from the one
     * holding the synced length on.
     */
    private void recover(ChunkId chunk, ChunkMeta meta, boolean machineStayedUp) throws IOException {
        long length = meta.lengthBytes();
        long synced = meta.syncedLengthBytes();
        int from = meta.overwritten() ? 0 : blockOf(synced);
        int to = blockCount(length);
        List<Integer> torn = new ArrayList<>();
        List<Integer> changedSinceSync = new ArrayList<>();
        List<Integer> keptAsFound = new ArrayList<>();
        try (FileChannel file = ChunkFiles.openIfPresent(ChunkFiles.chunkPath(dir, chunk));
                ChunkIndex.Batch batch = index.batch()) {
            BlockCrc[] entries = index.blocks(chunk, from, to);
            int tailCrc = 0;
            for (int block = from; block < to; block++) {
                int present = presentBytes(block, length);
                ChunkFiles.readBlock(file, block, present, scratch);
                int actual = crcOf(scratch, present);
                BlockCrc entry = entries[block - from];
                BlockCrc now;
                if (entry != null && entry.state() == BlockCrc.State.DAMAGED) {
                    now = entry;
                } else if (entry == null ? actual == ZERO_BLOCK_CRC
                        : actual == entry.crc() || (entry.state() == BlockCrc.State.PENDING && actual == entry.beforeCrc())) {
                    // The old bytes or the new ones: a write either did not start or finished.
                    now = BlockCrc.verified(actual);
                } else if (machineStayedUp) {
                    // The log holds every checksum written, so these bytes are a torn write.
                    now = BlockCrc.DAMAGED;
                    torn.add(block);
                } else if (!meta.overwritten() && block == blockOf(synced) && synced % BLOCK_BYTES != 0
                        && crcOf(scratch, (int) (synced - blockStart(block))) != meta.syncedTailCrc()) {
                    // Whatever happened to the appended bytes, the synced ones before them changed.
                    now = BlockCrc.DAMAGED;
                    changedSinceSync.add(block);
                } else {
                    // Unsynced bytes whose checksum the crash may have lost: keep what the disk kept.
                    now = BlockCrc.verified(actual);
                    keptAsFound.add(block);
                }
                if (entry != null || actual != ZERO_BLOCK_CRC) {
                    batch.putBlock(chunk, block, now);
                }
                if (block == to - 1 && length % BLOCK_BYTES != 0 && now.state() != BlockCrc.State.DAMAGED) {
                    tailCrc = now.crc();
                }
            }
            batch.deleteBlocksFrom(chunk, to);
            if (file != null) {
                if (file.size() > length) {
                    file.truncate(length); // bytes of appends whose length the crash lost
                }
                file.force(false);
            }
            batch.putMeta(chunk, new ChunkMeta(length, length, tailCrc, false));
            index.commit(batch, false);
        }
        if (!torn.isEmpty()) {
            LOG.warn("{}: blocks {} were being written when the node stopped and hold neither their old bytes nor "
                    + "their new ones; they read as damaged (EIO) until rewritten", chunk, torn);
        }
        if (!changedSinceSync.isEmpty()) {
            LOG.error("{}: blocks {} no longer hold the bytes they had at their last sync; they read as damaged (EIO)",
                    chunk, changedSinceSync);
        }
        if (!keptAsFound.isEmpty()) {
            LOG.info("{}: blocks {} were written but not synced before the machine stopped; kept as the disk "
                    + "kept them", chunk, keptAsFound);
        }
    }

    /**
     * Takes in, as they are, the chunk files of a store whose index is new: one written before
     * chunks had checksums, or whose index was lost. Nothing vouches for their bytes until now.
     */
    private long adoptChunkFiles() throws IOException {
        long usedBytes = 0;
        int adopted = 0;
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> inodeDirs = Files.newDirectoryStream(dir)) {
                for (Path inodeDir : inodeDirs) {
                    InodeId inode = ChunkFiles.inodeOf(inodeDir);
                    if (inode == null || !Files.isDirectory(inodeDir)) {
                        continue;
                    }
                    for (Path file : ChunkFiles.chunkFiles(inodeDir)) {
                        long lengthBytes = adopt(new ChunkId(inode, ChunkFiles.indexOf(file)), file);
                        if (lengthBytes > 0) {
                            usedBytes += lengthBytes;
                            adopted++;
                        }
                    }
                }
            }
        }
        if (adopted > 0) {
            LOG.warn("the chunk index in {} is new: took in {} chunk files ({} bytes) as they are; their checksums "
                    + "start now", dir, adopted, usedBytes);
        }
        return usedBytes;
    }

    private long adopt(ChunkId chunk, Path path) throws IOException {
        try (FileChannel file = ChunkFiles.openIfPresent(path); ChunkIndex.Batch batch = index.batch()) {
            long length = file == null ? 0 : file.size();
            if (length == 0) {
                return 0; // an empty file holds no chunk
            }
            int tailCrc = 0;
            for (int block = 0; block < blockCount(length); block++) {
                int present = presentBytes(block, length);
                ChunkFiles.readBlock(file, block, present, scratch);
                int crc = crcOf(scratch, present);
                if (crc != ZERO_BLOCK_CRC) {
                    batch.putBlock(chunk, block, BlockCrc.verified(crc));
                }
                if (present < BLOCK_BYTES) {
                    tailCrc = crc;
                }
            }
            file.force(false);
            batch.putMeta(chunk, new ChunkMeta(length, length, tailCrc, false));
            index.commit(batch, false);
            return length;
        }
    }
}
