package io.mnemo.tools.posix;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * {@code mnemo up} in a JVM of its own, from the packaged jar. Tests that mmap files on a mount
 * need the FUSE server in another process: a page fault on a mapping is Java code that no
 * safepoint can stop, so a JVM serving its own page faults deadlocks at the next GC.
 */
final class UpProcess implements AutoCloseable {
    private static final Path JAR = Path.of("target", "mnemo.jar").toAbsolutePath();

    private final Process process;
    private final Path mountPoint;
    private final Path stderr;

    private UpProcess(Process process, Path mountPoint, Path stderr) {
        this.process = process;
        this.mountPoint = mountPoint;
        this.stderr = stderr;
    }

    /** Starts {@code mnemo up} and returns once it reports the mount ready. */
    static UpProcess start(Path stateDir, Path mountPoint) throws IOException, InterruptedException {
        if (!Files.exists(JAR)) {
            throw new IllegalStateException(JAR + " is missing: integration tests run after 'package'");
        }
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("--enable-native-access=ALL-UNNAMED");
        if (Runtime.version().feature() >= 23) {
            command.add("--sun-misc-unsafe-memory-access=allow");
        }
        command.addAll(List.of("-jar", JAR.toString(), "up", "--dir", stateDir.toString(),
                "--mount", mountPoint.toString()));
        Path stderr = Files.createTempFile("mnemo-up-", ".stderr");
        Process process = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
        UpProcess up = new UpProcess(process, mountPoint.toAbsolutePath(), stderr);
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    lines.add(line);
                }
            } catch (IOException ended) {
                // The process ended.
            }
        });
        String line = lines.poll(60, TimeUnit.SECONDS);
        if (line == null || !line.startsWith("Mnemo mounted at ")) {
            up.close();
            throw new AssertionError("mnemo up did not mount (first line: " + line + "); stderr:\n"
                    + Files.readString(stderr));
        }
        return up;
    }

    /** Unmounts (SIGTERM, as Ctrl-C) and waits for the exit; detaches the mount if that fails. */
    @Override
    public void close() throws IOException, InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
        String needle = " " + mountPoint + " ";
        if (Files.readAllLines(Path.of("/proc/mounts")).stream().anyMatch(l -> l.contains(needle))) {
            new ProcessBuilder("fusermount", "-uz", mountPoint.toString()).inheritIO().start().waitFor();
        }
        Files.deleteIfExists(stderr);
    }
}
