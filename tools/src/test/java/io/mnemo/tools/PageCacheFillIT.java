package io.mnemo.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mnemo.core.client.FileHandle;
import io.mnemo.core.client.MnemoClient;
import io.mnemo.core.model.AttrChanges;
import io.mnemo.core.model.Caller;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.model.Name;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A small file stored inline comes whole with its open, and a read-only open that is the
 * file's only one on the mount puts it straight into the kernel's page cache, so that reading
 * it costs no READ request. What that must not break: close-to-open against another client
 * (here a second {@link MnemoClient}, as another mount would be), whether the file grew or
 * shrank meanwhile; and a writer on the same mount, whose pages must never be overwritten by an
 * older copy.
 *
 * <p>Whether the pages are there is asked with {@link MappedByteBuffer#isLoaded} (mincore(2)),
 * which reports the page cache without reading through it.
 */
class PageCacheFillIT {
    @RegisterExtension
    static final MountedCluster cluster = new MountedCluster(1);

    private static MnemoClient other;

    @BeforeAll
    static void connectAnotherClient() throws Exception {
        other = MnemoClient.connect(cluster.cluster().clientConfig());
    }

    @AfterAll
    static void closeTheOtherClient() {
        if (other != null) {
            other.close();
        }
    }

    @Test
    void readOnlyOpen_ofASmallFile_putsItInThePageCache_beforeAnyRead() throws Exception {
        Path file = cluster.mountPoint().resolve("filled");
        byte[] data = bytes(40_000, 1);
        writeElsewhere(file, data);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            assertTrue(ch.map(FileChannel.MapMode.READ_ONLY, 0, data.length).isLoaded(), "pages cached at open");
            assertArrayEquals(data, readAll(ch, data.length));
        }
    }

    @Test
    void openForWriting_leavesThePageCacheAlone() throws Exception {
        Path file = cluster.mountPoint().resolve("written");
        writeElsewhere(file, bytes(40_000, 2));
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            assertFalse(ch.map(FileChannel.MapMode.READ_ONLY, 0, 40_000).isLoaded(), "nothing read yet");
        }
    }

    @Test
    void fileShrunkByAnotherClient_readsAsItsNewContents_notTheOldTail() throws Exception {
        Path file = cachedFile("shrunk", bytes(60_000, 3));
        byte[] after = bytes(5_000, 4);
        writeElsewhere(file, after); // well within the 1 s the kernel trusts what it knows
        assertArrayEquals(after, Files.readAllBytes(file));
        assertEquals(after.length, Files.size(file));
    }

    @Test
    void fileGrownByAnotherClient_readsWhole() throws Exception {
        Path file = cachedFile("grown", bytes(3_000, 5));
        byte[] after = bytes(65_536, 6);
        writeElsewhere(file, after);
        assertArrayEquals(after, Files.readAllBytes(file));
    }

    @Test
    void aReaderOpenedWhileAWriterIsOpen_seesTheWriters_andTheWriterSeesItsOwnAfterAReaderOpens() throws Exception {
        Path file = cluster.mountPoint().resolve("shared");
        byte[] original = bytes(20_000, 7);
        Files.write(file, original);
        byte[] expected = original.clone();
        try (FileChannel writer = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            writer.write(ByteBuffer.wrap(new byte[] {1, 2, 3, 4}), 100);
            System.arraycopy(new byte[] {1, 2, 3, 4}, 0, expected, 100, 4);
            try (FileChannel reader = FileChannel.open(file, StandardOpenOption.READ)) {
                assertArrayEquals(expected, readAll(reader, expected.length));
                writer.write(ByteBuffer.wrap(new byte[] {9, 9}), 19_000);
                expected[19_000] = 9;
                expected[19_001] = 9;
                assertArrayEquals(expected, readAll(reader, expected.length));
            }
        }
        try (FileChannel reader = FileChannel.open(file, StandardOpenOption.READ)) {
            assertArrayEquals(expected, readAll(reader, expected.length));
            try (FileChannel writer = FileChannel.open(file, StandardOpenOption.WRITE)) {
                writer.write(ByteBuffer.wrap(new byte[] {7}), 5);
                expected[5] = 7;
            }
            assertArrayEquals(expected, readAll(reader, expected.length));
        }
    }

    @Test
    void truncateThroughTheMount_thenAReadOnlyOpen_readsTheShorterFile() throws Exception {
        byte[] data = bytes(30_000, 8);
        Path file = cachedFile("cut", data);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.truncate(10_000);
        }
        assertArrayEquals(Arrays.copyOf(data, 10_000), Files.readAllBytes(file));
    }

    @Test
    void soleInlineContents_onlyForTheOnlyReadOnlyOpen_ofAFileStillInline() throws Exception {
        writeElsewhere(cluster.mountPoint().resolve("sole"), bytes(1_000, 9));
        writeElsewhere(cluster.mountPoint().resolve("big"), bytes(70_000, 10));
        InodeId sole = other.resolve("/sole").inode();
        ByteBuffer out = ByteBuffer.allocate(64 * 1024);
        FileHandle reader = other.open(sole, MnemoClient.O_RDONLY, false, Caller.ROOT);
        try {
            assertEquals(1_000, other.soleInlineContents(reader, out));
            assertArrayEquals(bytes(1_000, 9), Arrays.copyOf(out.array(), 1_000));
            assertEquals(1_000, other.soleInlineContents(reader, ByteBuffer.allocate(1_000)));
            assertEquals(-1, other.soleInlineContents(reader, ByteBuffer.allocate(999)), "no room");
            FileHandle second = other.open(sole, MnemoClient.O_RDONLY, false, Caller.ROOT);
            try {
                assertEquals(-1, other.soleInlineContents(reader, out), "opened twice");
            } finally {
                other.release(second);
            }
        } finally {
            other.release(reader);
        }
        FileHandle writer = other.open(sole, MnemoClient.O_RDWR, false, Caller.ROOT);
        try {
            assertEquals(-1, other.soleInlineContents(writer, out), "open for writing");
        } finally {
            other.release(writer);
        }
        FileHandle chunked = other.open(other.resolve("/big").inode(), MnemoClient.O_RDONLY, false, Caller.ROOT);
        try {
            assertEquals(-1, other.soleInlineContents(chunked, out), "in chunks");
        } finally {
            other.release(chunked);
        }
    }

    /** A file written and read back through the mount: the kernel caches its pages and knows its size. */
    private static Path cachedFile(String name, byte[] data) throws Exception {
        Path file = cluster.mountPoint().resolve(name);
        Files.write(file, data);
        assertArrayEquals(data, Files.readAllBytes(file));
        return file;
    }

    private static byte[] bytes(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static byte[] readAll(FileChannel ch, int expectedLength) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(expectedLength + 1);
        long at = 0;
        for (int n; (n = ch.read(b, at)) > 0; ) {
            at += n;
        }
        return Arrays.copyOf(b.array(), b.position());
    }

    /**
     * Creates the file (in the mount's root), or replaces its contents, through the other client, as
     * another mount would.
     */
    private static void writeElsewhere(Path file, byte[] data) throws Exception {
        FileHandle h = other.createAndOpen(InodeId.ROOT, Name.of(file.getFileName().toString()), 0644,
                MnemoClient.O_WRONLY, false, Caller.ROOT);
        try {
            other.setattr(h.inode(), AttrChanges.NONE.withSize(0), Caller.ROOT);
            other.write(h, 0, data, data.length);
        } finally {
            other.release(h);
        }
    }
}
