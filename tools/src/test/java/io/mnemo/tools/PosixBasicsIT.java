package io.mnemo.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The basic namespace and data operations through a real FUSE mount, checked as a program sees them. */
class PosixBasicsIT {
    private static final int CHUNK = 4 * 1024 * 1024;

    @RegisterExtension
    static final MountedCluster cluster = new MountedCluster(3);

    private Path mnt() {
        return cluster.mountPoint();
    }

    @Test
    void mkdir_rmdir_andTheirErrors() throws Exception {
        Path d = Files.createDirectory(mnt().resolve("d1"));
        assertTrue(Files.isDirectory(d));
        assertThrows(FileAlreadyExistsException.class, () -> Files.createDirectory(d));
        Files.createFile(d.resolve("f"));
        assertThrows(DirectoryNotEmptyException.class, () -> Files.delete(d));
        Files.delete(d.resolve("f"));
        Files.delete(d);
        assertFalse(Files.exists(d));
        assertThrows(NoSuchFileException.class, () -> Files.delete(d));
    }

    @Test
    void writeAndRead_atAnyOffset_acrossChunkAndStripeBoundaries() throws Exception {
        Path f = mnt().resolve("offsets.bin");
        byte[] model = new byte[3 * CHUNK + 12345];
        Random random = new Random(42);
        long[] offsets = {0, CHUNK - 7, 2L * CHUNK - 100_000, 3L * CHUNK + 1, 17, CHUNK + 4096};
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            for (long off : offsets) {
                byte[] data = new byte[(int) Math.min(300_000, model.length - off)];
                random.nextBytes(data);
                ch.write(ByteBuffer.wrap(data), off);
                System.arraycopy(data, 0, model, (int) off, data.length);
            }
            ch.write(ByteBuffer.wrap(new byte[] {9}), model.length - 1);
            model[model.length - 1] = 9;
            // Read back through the same handle before close: the client serves its own buffered writes.
            ByteBuffer back = ByteBuffer.allocate(200_000);
            ch.read(back, CHUNK - 50_000);
            assertArrayEquals(Arrays.copyOfRange(model, CHUNK - 50_000, CHUNK + 150_000), back.array());
        }
        assertEquals(model.length, Files.size(f));
        cluster.stop();
        cluster.start();
        assertArrayEquals(model, Files.readAllBytes(f), "holes read as zeros, data where written");
    }

    @Test
    void truncate_growsAndShrinks_acrossChunks() throws Exception {
        Path f = mnt().resolve("trunc.bin");
        byte[] data = new byte[CHUNK + 1000];
        new Random(7).nextBytes(data);
        Files.write(f, data);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.truncate(CHUNK - 10);
        }
        assertEquals(CHUNK - 10, Files.size(f));
        Shell.run(mnt(), "truncate -s " + (2 * CHUNK) + " trunc.bin");
        byte[] back = Files.readAllBytes(f);
        assertEquals(2 * CHUNK, back.length);
        assertArrayEquals(Arrays.copyOf(data, CHUNK - 10), Arrays.copyOf(back, CHUNK - 10));
        byte[] zeros = new byte[CHUNK + 10];
        assertArrayEquals(zeros, Arrays.copyOfRange(back, CHUNK - 10, 2 * CHUNK), "growing exposes zeros, not old bytes");
        Shell.run(mnt(), "truncate -s 0 trunc.bin");
        assertEquals(0, Files.size(f));
    }

    @Test
    void rename_withinAndAcrossDirectories_andOverAnExistingFile() throws Exception {
        Path a = Files.createDirectory(mnt().resolve("ra"));
        Path b = Files.createDirectory(mnt().resolve("rb"));
        Files.writeString(a.resolve("x"), "x-content");
        Files.move(a.resolve("x"), a.resolve("y"));
        assertFalse(Files.exists(a.resolve("x")));
        assertEquals("x-content", Files.readString(a.resolve("y")));
        Files.move(a.resolve("y"), b.resolve("z"));
        assertEquals("x-content", Files.readString(b.resolve("z")));
        Files.writeString(b.resolve("w"), "w-content");
        Shell.run(b, "mv w z");
        assertEquals("w-content", Files.readString(b.resolve("z")));
        Files.move(a, b.resolve("moved-dir"));
        assertTrue(Files.isDirectory(b.resolve("moved-dir")));
        try (Stream<Path> s = Files.list(b)) {
            assertEquals(List.of("moved-dir", "z"), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void unlink_removesTheFile_andDirectoriesAreRefused() throws Exception {
        Path f = Files.writeString(mnt().resolve("gone.txt"), "bye");
        Files.delete(f);
        assertFalse(Files.exists(f));
        Path d = Files.createDirectory(mnt().resolve("notafile"));
        String err = Shell.run(mnt(), "unlink notafile 2>&1 || true");
        assertTrue(err.contains("Is a directory"), err);
        assertTrue(Files.isDirectory(d));
    }

    @Test
    void stat_showsSizeModeLinksAndTimes() throws Exception {
        long before = System.currentTimeMillis() - 2000;
        Path f = mnt().resolve("stat.txt");
        Files.writeString(f, "hello, world");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r-----"));
        assertEquals(12, Files.size(f));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
        assertEquals(1, Files.getAttribute(f, "unix:nlink"));
        long mtime = Files.getLastModifiedTime(f).toMillis();
        assertTrue(mtime >= before && mtime <= System.currentTimeMillis() + 2000, "mtime " + mtime);

        Files.setLastModifiedTime(f, FileTime.fromMillis(1_000_000_123L));
        assertEquals(1_000_000_123L, Files.getLastModifiedTime(f).toMillis());

        Path d = Files.createDirectory(mnt().resolve("statdir"));
        Files.createDirectory(d.resolve("sub"));
        assertEquals(3, Files.getAttribute(d, "unix:nlink"), "a directory with one subdirectory has 3 links");
        assertEquals("directory", Shell.run(mnt(), "stat -c %F statdir").trim());
    }

    @Test
    void statfs_countsTheDiskOfThreeDataNodesOnce() throws Exception {
        String[] df = Shell.run(mnt(), "df -B1 --output=size,used,avail . | tail -1").trim().split("\\s+");
        long size = Long.parseLong(df[0]);
        long avail = Long.parseLong(df[2]);
        FileStore disk = Files.getFileStore(cluster.stateDir());
        assertEquals(disk.getTotalSpace(), size, "three data nodes on one disk offer that disk");
        // Less than what is free on the disk, give or take what other writers did since the last heartbeat.
        assertTrue(avail > 0 && avail <= disk.getUsableSpace() + (1L << 30),
                "available " + avail + " of a disk with " + disk.getUsableSpace() + " bytes free");
    }

    @Test
    void layoutSet_changesOnlyWhatItIsGiven() throws Exception {
        Path dir = Files.createDirectory(mnt().resolve("laid-out"));
        assertEquals(0, MnemoCli.run("layout", "set", dir.toString(), "--chunk-size", "1M", "--stripe", "2").exitCode());
        MnemoCli.Output o = MnemoCli.run("layout", "set", dir.toString(), "--stripe", "1");
        assertEquals(new MnemoCli.Output(0, "chunk_size=1048576 stripe=1\n", ""), o, "the chunk size stays");
    }

    @Test
    void symlinkAndHardLink() throws Exception {
        Path target = Files.writeString(mnt().resolve("target.txt"), "t");
        Path link = Files.createSymbolicLink(mnt().resolve("sym"), Path.of("target.txt"));
        assertEquals("target.txt", Files.readSymbolicLink(link).toString());
        assertEquals("t", Files.readString(link));
        Path hard = Files.createLink(mnt().resolve("hard"), target);
        assertEquals(2, Files.getAttribute(target, "unix:nlink"));
        Files.delete(target);
        assertEquals("t", Files.readString(hard));
        assertEquals(1, Files.getAttribute(hard, "unix:nlink"));
    }
}
