package io.mnemo.tools.cmd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.mnemo.tools.MnemoCli;
import io.mnemo.tools.MnemoCli.Output;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input on the command line: one line, {@code mnemo: <thing>: <reason>}, and a non-zero exit. */
class CommandLineTest {
    @TempDir
    Path dir;

    @Test
    void usageErrors_areOneLine_withWhereToLook() {
        assertEquals(new Output(2, "", "mnemo: Missing required subcommand (see 'mnemo bench --help')\n"),
                MnemoCli.run("bench"));
        assertEquals(new Output(2, "", "mnemo: Missing required option: '--dir=DIR' (see 'mnemo meta --help')\n"),
                MnemoCli.run("meta"));
    }

    @Test
    void layoutAndFsck_outsideAMount_areRefused_andChangeNothing() throws Exception {
        String type = Files.getFileStore(dir).type();
        String notInside = "mnemo: " + dir + ": not inside a Mnemo mount (it is on " + type + ")\n";
        assertEquals(new Output(1, "", notInside), MnemoCli.run("layout", "get", dir.toString()));
        assertEquals(new Output(1, "", notInside), MnemoCli.run("layout", "set", dir.toString(), "--stripe", "1"));
        assertEquals(new Output(1, "", notInside), MnemoCli.run("fsck", dir.toString()));
        Path missing = dir.resolve("missing");
        assertEquals(new Output(1, "", "mnemo: " + missing + ": no such file or directory\n"),
                MnemoCli.run("fsck", missing.toString()));
    }

    @Test
    void mount_refusesANegativeCacheTimeout() {
        Output o = MnemoCli.run("mount", dir.resolve("m").toString(), "--meta", "127.0.0.1:1", "--secret-file",
                dir.resolve("s").toString(), "--attr-timeout-ms", "-1");
        assertEquals(new Output(2, "", "mnemo: --attr-timeout-ms: must be 0 (no caching) or more, got -1"
                + " (see 'mnemo mount --help')\n"), o);
    }

    @Test
    void badPathsAndValues_sayWhatIsWrongWithThem() throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "x");
        Path underAFile = file.resolve("d");
        assertEquals(new Output(1, "", "mnemo: cannot use " + underAFile + " as a data node directory: "
                + underAFile + ": Not a directory\n"), MnemoCli.run("data", "--dir", underAFile.toString(),
                "--meta", "127.0.0.1:1", "--secret-file", file.toString()));
        assertEquals(new Output(1, "", "mnemo: cluster secret file " + dir + " is a directory\n"),
                MnemoCli.run("status", "--meta", "127.0.0.1:1", "--secret-file", dir.toString()));
        assertEquals(new Output(1, "", "mnemo: --capacity: must be 0 (the whole disk) or more, got -1\n"),
                MnemoCli.run("data", "--dir", dir.resolve("d").toString(), "--capacity", "-1", "--meta", "127.0.0.1:1",
                        "--secret-file", file.toString()));
    }

    @Test
    void serversOnATakenPort_saySo_andCreateNothing() throws Exception {
        Path secret = Files.writeString(dir.resolve("secret"), "s".repeat(32));
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String port = String.valueOf(taken.getLocalPort());
            Path state = dir.resolve("new-state");
            String refused = "mnemo: 127.0.0.1:" + port + ": cannot listen (--port): Address already in use\n";
            assertEquals(new Output(1, "", refused), MnemoCli.run("meta", "--dir", state.toString(), "--port", port));
            assertEquals(new Output(1, "", refused), MnemoCli.run("data", "--dir", state.toString(), "--port", port,
                    "--meta", "127.0.0.1:1", "--secret-file", secret.toString()));
            assertFalse(Files.exists(state), "no directory left behind");
        }
    }
}
