package io.mnemo.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A flipped bit in a chunk file on disk is an EIO and an fsck finding, never wrong bytes. */
class IntegrityIT {
    @RegisterExtension
    static final MountedCluster cluster = new MountedCluster(3);

    @Test
    void flippedBit_failsTheRead_andFsckReportsIt() throws Exception {
        Path mnt = cluster.mountPoint();
        byte[] data = new byte[9 * 1024 * 1024];
        new Random(5).nextBytes(data);
        Files.write(mnt.resolve("victim.bin"), data);
        Files.write(mnt.resolve("bystander.bin"), data);
        cluster.stop();

        Path chunk = largestChunkFile();
        try (RandomAccessFile f = new RandomAccessFile(chunk.toFile(), "rw")) {
            f.seek(12345);
            int b = f.read();
            f.seek(12345);
            f.write(b ^ 0x10);
        }
        cluster.start();

        Path victim = findOwner(chunk);
        IOException e = assertThrows(IOException.class, () -> Files.readAllBytes(victim));
        assertTrue(String.valueOf(e.getMessage()).contains("Input/output error"), e.toString());

        try (MnemoProcess fsck = MnemoProcess.start("fsck", "--data", mnt.toString())) {
            assertEquals(1, fsck.waitFor(120), "fsck finds a problem");
            String report = String.join("\n", fsck.remainingStdout());
            assertTrue(report.contains(victim.toString()) && report.contains("damaged chunks"), report);
        }
        Path other = victim.getFileName().toString().equals("victim.bin") ? mnt.resolve("bystander.bin") : mnt.resolve("victim.bin");
        assertArrayEquals(data, Files.readAllBytes(other), "the other file is untouched");
    }

    /** The chunk file with the most bytes: a full 4 MiB chunk of one of the two files. */
    private static Path largestChunkFile() throws IOException {
        try (Stream<Path> files = Files.walk(cluster.stateDir())) {
            return files.filter(p -> p.getParent().getParent() != null
                            && p.getParent().getParent().getFileName().toString().equals("chunks"))
                    .filter(Files::isRegularFile)
                    .max(Comparator.comparingLong(p -> p.toFile().length()))
                    .orElseThrow();
        }
    }

    /** Which of the two files the chunk belongs to: its directory is the inode number in hex. */
    private static Path findOwner(Path chunk) throws IOException {
        long inode = Long.parseUnsignedLong(chunk.getParent().getFileName().toString(), 16);
        for (String name : new String[] {"victim.bin", "bystander.bin"}) {
            Path p = cluster.mountPoint().resolve(name);
            if (((Number) Files.getAttribute(p, "unix:ino")).longValue() == inode) {
                return p;
            }
        }
        throw new AssertionError("no file owns inode " + inode);
    }
}
