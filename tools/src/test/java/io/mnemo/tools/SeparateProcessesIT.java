package io.mnemo.tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same components as separate processes over loopback TCP: a metadata server, three data
 * nodes and two mounts; what one mount writes, the other reads.
 */
class SeparateProcessesIT {
    private static final String LISTENING = "Mnemo metadata server listening on ";

    @TempDir
    Path tmp;

    @Test
    void writesThroughOneMount_areReadThroughAnother() throws Exception {
        Path mntA = Files.createDirectories(tmp.resolve("mnt-a"));
        Path mntB = Files.createDirectories(tmp.resolve("mnt-b"));
        List<MnemoProcess> processes = new ArrayList<>();
        try {
            MnemoProcess meta = MnemoProcess.start("meta", "--dir", tmp.resolve("meta").toString(), "--port", "0",
                    "--raft-port", "0");
            processes.add(meta);
            String line = meta.nextLine(60);
            assertTrue(line.startsWith(LISTENING), line);
            String metaAddress = line.substring(LISTENING.length());
            String secret = tmp.resolve("meta/cluster.secret").toString();
            for (int i = 0; i < 3; i++) {
                MnemoProcess data = MnemoProcess.start("data", "--dir", tmp.resolve("data-" + i).toString(),
                        "--meta", metaAddress, "--secret-file", secret);
                processes.add(data);
                assertTrue(data.nextLine(60).startsWith("Mnemo data node listening on "));
            }
            awaitNodes(metaAddress, secret, 3);
            MnemoProcess a = MnemoProcess.start("mount", mntA.toString(), "--meta", metaAddress, "--secret-file", secret);
            processes.add(a);
            assertEquals("Mnemo mounted at " + mntA.toAbsolutePath(), a.nextLine(60));
            MnemoProcess b = MnemoProcess.start("mount", mntB.toString(), "--meta", metaAddress, "--secret-file", secret);
            processes.add(b);
            assertEquals("Mnemo mounted at " + mntB.toAbsolutePath(), b.nextLine(60));

            byte[] data = new byte[12 * 1024 * 1024 + 5];
            new Random(11).nextBytes(data);
            Files.createDirectories(mntA.resolve("shared/dir"));
            Files.write(mntA.resolve("shared/dir/model.bin"), data);
            assertArrayEquals(data, Files.readAllBytes(mntB.resolve("shared/dir/model.bin")));

            Files.writeString(mntB.resolve("shared/from-b.txt"), "written by b");
            assertEquals("written by b", Files.readString(mntA.resolve("shared/from-b.txt")));

            for (MnemoProcess mount : List.of(a, b)) {
                mount.terminate();
                assertEquals(0, mount.waitFor(10));
            }
        } finally {
            for (MnemoProcess p : processes.reversed()) {
                p.close();
            }
            MnemoProcess.unmountIfMounted(mntA);
            MnemoProcess.unmountIfMounted(mntB);
        }
    }

    @Test
    void aDataNodeWithTheWrongSecret_stopsWithOneLine() throws Exception {
        try (MnemoProcess meta = MnemoProcess.start("meta", "--dir", tmp.resolve("meta").toString(), "--port", "0",
                "--raft-port", "0")) {
            String line = meta.nextLine(60);
            assertTrue(line.startsWith(LISTENING), line);
            Path wrong = Files.writeString(tmp.resolve("wrong.secret"), "not the cluster's secret, long enough to be one");
            try (MnemoProcess data = MnemoProcess.start("data", "--dir", tmp.resolve("data").toString(),
                    "--meta", line.substring(LISTENING.length()), "--secret-file", wrong.toString())) {
                assertEquals(1, data.waitFor(60), "a wrong secret does not heal by retrying");
                List<String> errors = data.stderr().stream().filter(l -> l.startsWith("mnemo: ")).toList();
                assertEquals(1, errors.size(), String.join("\n", data.stderr()));
                assertTrue(errors.get(0).endsWith("wrong cluster secret"), errors.get(0));
            }
        }
    }

    private static void awaitNodes(String metaAddress, String secret, int nodes) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            try (MnemoProcess status = MnemoProcess.start("status", "--meta", metaAddress, "--secret-file", secret)) {
                status.waitFor(30);
                long alive = status.remainingStdout().stream().filter(l -> l.contains(" alive ")).count();
                if (alive >= nodes) {
                    return;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(nodes + " data nodes did not register in time");
            }
        }
    }
}
