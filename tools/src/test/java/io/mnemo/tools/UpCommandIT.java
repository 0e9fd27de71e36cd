package io.mnemo.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mnemo up} as a user runs it: one line when mounted, a clean stop, a restart that keeps files. */
class UpCommandIT {
    @TempDir
    Path tmp;

    @Test
    void up_mountsStopsOnSigtermAndRestartsWithEveryFile() throws Exception {
        Path dir = tmp.resolve("state");
        Path mnt = tmp.resolve("mnt"); // created by up
        byte[] data = new byte[5 * 1024 * 1024 + 17];
        new Random(3).nextBytes(data);
        try {
            try (MnemoProcess up = MnemoProcess.start("up", "--dir", dir.toString(), "--mount", mnt.toString())) {
                assertEquals("Mnemo mounted at " + mnt.toAbsolutePath(), up.nextLine(60));
                Files.write(mnt.resolve("kept.bin"), data);
                Files.createDirectories(mnt.resolve("a/b/c"));

                // A second up on the same --dir fails at once with one line, and harms nothing.
                try (MnemoProcess second = MnemoProcess.start("up", "--dir", dir.toString(), "--mount",
                        tmp.resolve("mnt2").toString())) {
                    assertNotEquals(0, second.waitFor(30));
                    List<String> err = second.stderr();
                    assertEquals(1, err.size(), "one line: " + err);
                    assertTrue(err.get(0).startsWith("mnemo: ") && err.get(0).contains("in use"), err.get(0));
                }
                assertTrue(Files.exists(mnt.resolve("a/b/c")));

                long start = System.nanoTime();
                up.terminate();
                assertEquals(0, up.waitFor(10));
                assertTrue(System.nanoTime() - start < 10_000_000_000L);
                assertEquals(List.of(), up.remainingStdout(), "exactly one line on stdout");
                assertFalse(MnemoProcess.isMounted(mnt), "unmounted on SIGTERM");
            }
            try (MnemoProcess again = MnemoProcess.start("up", "--dir", dir.toString(), "--mount", mnt.toString())) {
                assertEquals("Mnemo mounted at " + mnt.toAbsolutePath(), again.nextLine(60));
                assertTrue(java.util.Arrays.equals(data, Files.readAllBytes(mnt.resolve("kept.bin"))));
                assertTrue(Files.isDirectory(mnt.resolve("a/b/c")));
                again.terminate();
                assertEquals(0, again.waitFor(10));
            }
        } finally {
            MnemoProcess.unmountIfMounted(mnt);
        }
    }

    @Test
    void up_afterAKilledUp_detachesTheDeadMountItLeft_andKeepsTheFiles() throws Exception {
        Path dir = tmp.resolve("state");
        Path mnt = tmp.resolve("mnt");
        try {
            try (MnemoProcess up = MnemoProcess.start("up", "--dir", dir.toString(), "--mount", mnt.toString())) {
                assertEquals("Mnemo mounted at " + mnt.toAbsolutePath(), up.nextLine(60));
                Files.writeString(mnt.resolve("before-the-kill"), "kept"); // close makes it durable
                up.kill();
                up.waitFor(30);
            }
            assertTrue(MnemoProcess.isMounted(mnt), "a killed up leaves its dead mount behind");
            try (MnemoProcess again = MnemoProcess.start("up", "--dir", dir.toString(), "--mount", mnt.toString())) {
                assertEquals("Mnemo mounted at " + mnt.toAbsolutePath(), again.nextLine(60));
                assertEquals("kept", Files.readString(mnt.resolve("before-the-kill")));
                again.terminate();
                assertEquals(0, again.waitFor(10));
            }
        } finally {
            MnemoProcess.unmountIfMounted(mnt);
        }
    }

    @Test
    void up_refusesAMountPointThatIsNotAnEmptyDirectory() throws Exception {
        Path mnt = Files.createDirectories(tmp.resolve("full"));
        Files.writeString(mnt.resolve("something"), "x");
        try (MnemoProcess up = MnemoProcess.start("up", "--dir", tmp.resolve("state").toString(), "--mount", mnt.toString())) {
            assertNotEquals(0, up.waitFor(30));
            List<String> err = up.stderr();
            assertEquals(1, err.size(), "one line: " + err);
            assertEquals("mnemo: " + mnt.toAbsolutePath() + ": not an empty directory", err.get(0));
        }
        Path file = Files.writeString(tmp.resolve("plain-file"), "x");
        try (MnemoProcess up = MnemoProcess.start("up", "--dir", tmp.resolve("state").toString(), "--mount", file.toString())) {
            assertNotEquals(0, up.waitFor(30));
            assertEquals(List.of("mnemo: " + file.toAbsolutePath() + ": not a directory"), up.stderr());
        }
    }
}
