package io.mnemo.data.store;

import static io.mnemo.data.store.StoreFiles.diskUsageKib;
import static io.mnemo.data.store.StoreFiles.random;
import static io.mnemo.data.store.StoreFiles.read;
import static io.mnemo.data.store.StoreFiles.write;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.ChunkId;
import io.mnemo.core.model.InodeId;
import io.mnemo.data.NoLeaks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Disk space: given back by deletion and truncation, and a full disk fails writes cleanly, measured on real file systems. */
@ExtendWith(NoLeaks.class)
class FileChunkStoreSpaceTest {
    private static final int MIB = 1024 * 1024;

    @TempDir
    Path dir;

    @Test
    void deletingAndTruncating_giveTheDiskSpaceBack() throws Exception {
        Path chunks = dir.resolve(FileChunkStore.CHUNKS_DIR);
        InodeId inode = new InodeId(5);
        try (FileChunkStore store = FileChunkStore.open(dir, 0)) {
            for (int i = 0; i < 4; i++) {
                write(store, new ChunkId(inode, i), 0, random(new Random(i), 4 * MIB));
            }
            store.sync(inode);
            long full = diskUsageKib(chunks);
            assertTrue(full >= 16 * 1024, full + " KiB");

            store.truncateChunks(inode, 0, MIB + 5);
            long truncated = diskUsageKib(chunks);
            assertTrue(truncated <= 1024 + 100, truncated + " KiB after truncating to 1 MiB");
            assertEquals(MIB + 5, store.usedBytes());
            assertEquals(MIB + 5, read(store, new ChunkId(inode, 0), 0, 4 * MIB).length);

            store.deleteChunks(inode);
            long deleted = diskUsageKib(chunks);
            assertTrue(deleted <= 8, deleted + " KiB after deleting");
            assertEquals(0, store.usedBytes());
        }
    }

    /**
     * Chunks and index on one 16 MiB tmpfs: writes stop with ENOSPC while the index still has room
     * (its reserve), so every chunk written before stays whole, deletion works, and the space it
     * frees takes writes again, also after a restart.
     */
    @Test
    void aFullDiskSharedWithTheIndex_failsWritesWithEnospc_andDamagesNothing() throws Exception {
        Path disk = Files.createDirectories(dir.resolve("disk"));
        try (Tmpfs tmpfs = Tmpfs.mount(disk, "16m")) {
            List<byte[]> written = new ArrayList<>();
            FsException full;
            try (FileChunkStore store = FileChunkStore.open(disk, 0)) {
                full = fillWithMiBs(store, written);
                assertTrue(full.getMessage().contains("stay free for the chunk index"), full.getMessage());
                assertTrue(written.size() >= 10, written.size() + " MiB written");
                assertAllIntact(store, written);

                store.deleteChunks(inode(0));
                store.deleteChunks(inode(1));
                write(store, new ChunkId(inode(0), 0), 0, written.get(0));
                write(store, new ChunkId(inode(1), 0), 0, written.get(1));
            }
            try (FileChunkStore store = FileChunkStore.open(disk, 0)) {
                assertAllIntact(store, written);
                assertEquals(written.size() * (long) MIB, store.usedBytes());
            }
        }
    }

    /**
     * Chunks on an 8 MiB tmpfs, index elsewhere, no capacity to stop first: the kernel itself
     * refuses a write in the middle, and still no chunk written before, nor the part of the same
     * chunk written before, is damaged, and the blocks the failed write half filled verify.
     */
    @Test
    void aFullDisk_refusingAWriteHalfway_failsItWithEnospc_andDamagesNothing() throws Exception {
        Path disk = Files.createDirectories(dir.resolve("disk"));
        try (Tmpfs tmpfs = Tmpfs.mount(disk, "8m")) {
            InodeId inode = new InodeId(9);
            int pieceBytes = 3 * Checksums.BLOCK_BYTES + 1000; // ends inside a block
            List<byte[]> pieces = new ArrayList<>();
            FsException full = null;
            // A capacity beyond the disk's: only the kernel says when it is full.
            try (FileChunkStore store = FileChunkStore.open(disk, dir.resolve("index"), 1L << 30, 16)) {
                for (int i = 0; full == null; i++) {
                    byte[] piece = random(new Random(i), pieceBytes);
                    try {
                        write(store, new ChunkId(inode, i / 4), (long) (i % 4) * pieceBytes, piece);
                        pieces.add(piece);
                    } catch (FsException e) {
                        full = e;
                    }
                }
                assertEquals(Errno.ENOSPC, full.errno(), full.getMessage());
                assertTrue(full.getMessage().contains("no space left on device"), full.getMessage());
                for (int i = 0; i < pieces.size(); i++) {
                    byte[] back = read(store, new ChunkId(inode, i / 4), (long) (i % 4) * pieceBytes, pieceBytes);
                    assertArrayEquals(pieces.get(i), back, "piece " + i);
                }
                assertEquals(List.of(), store.verifyChunks(inode));

                long before = diskUsageKib(disk);
                store.deleteChunks(inode);
                assertTrue(diskUsageKib(disk) < before - 7 * 1024, "deleting gave back " + before + " KiB");
                write(store, new ChunkId(inode, 0), 0, pieces.get(0));
                assertArrayEquals(pieces.get(0), read(store, new ChunkId(inode, 0), 0, pieceBytes));
            }
        }
    }

    @Test
    void theConfiguredCapacity_failsWritesWithEnospc_andDamagesNothing() throws Exception {
        List<byte[]> written = new ArrayList<>();
        try (FileChunkStore store = FileChunkStore.open(dir, 5 * MIB)) {
            FsException full = fillWithMiBs(store, written);
            assertTrue(full.getMessage().contains("capacity"), full.getMessage());
            assertEquals(5, written.size());
            assertAllIntact(store, written);
        }
    }

    // ------------------------------------------------------------------ helpers

    /** Writes 1 MiB chunks, one inode each, until a write fails with ENOSPC; returns that failure. */
    private static FsException fillWithMiBs(FileChunkStore store, List<byte[]> written) {
        for (int i = 0; i < 10_000; i++) {
            byte[] data = random(new Random(i), MIB);
            try {
                write(store, new ChunkId(inode(i), 0), 0, data);
                written.add(data);
            } catch (FsException e) {
                assertEquals(Errno.ENOSPC, e.errno(), e.getMessage());
                return e;
            }
        }
        throw new AssertionError("the disk never filled");
    }

    private static void assertAllIntact(FileChunkStore store, List<byte[]> written) throws FsException {
        for (int i = 0; i < written.size(); i++) {
            assertArrayEquals(written.get(i), read(store, new ChunkId(inode(i), 0), 0, 2 * MIB), "inode " + inode(i));
            assertEquals(List.of(), store.verifyChunks(inode(i)));
        }
    }

    private static InodeId inode(int i) {
        return new InodeId(100 + i);
    }

    /** A tmpfs of a given size mounted on a directory for as long as this is open; skips the test where mounting is not allowed. */
    private static final class Tmpfs implements AutoCloseable {
        private final Path mountPoint;

        private Tmpfs(Path mountPoint) {
            this.mountPoint = mountPoint;
        }

        static Tmpfs mount(Path mountPoint, String size) throws IOException, InterruptedException {
            String failure = run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", mountPoint.toString());
            Assumptions.assumeTrue(failure == null, "cannot mount a tmpfs here (needs root): " + failure);
            return new Tmpfs(mountPoint);
        }

        @Override
        public void close() throws IOException, InterruptedException {
            String failure = run("umount", mountPoint.toString());
            if (failure != null) {
                failure = run("umount", "-l", mountPoint.toString());
            }
            if (failure != null) {
                throw new IOException("cannot unmount " + mountPoint + ": " + failure);
            }
        }

        /** Runs a command; null when it succeeds, else its output. */
        private static String run(String... command) throws IOException, InterruptedException {
            Process process;
            try {
                process = new ProcessBuilder(command).redirectErrorStream(true).start();
            } catch (IOException noSuchCommand) {
                return noSuchCommand.toString();
            }
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return Arrays.toString(command) + " timed out";
            }
            return process.exitValue() == 0 ? null : output + " (exit " + process.exitValue() + ")";
        }
    }
}
