package io.mnemo.tools;

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
 * The {@code mnemo} command run as its own JVM from the packaged jar, as a user runs it, with
 * its stdout and stderr captured line by line.
 */
final class MnemoProcess implements AutoCloseable {
    private static final Path JAR = Path.of("target", "mnemo.jar").toAbsolutePath();

    private final Process process;
    private final BlockingQueue<String> stdout = new LinkedBlockingQueue<>();
    private final List<String> stderr = java.util.Collections.synchronizedList(new ArrayList<>());

    private final List<Thread> pumps;

    private MnemoProcess(Process process) {
        this.process = process;
        this.pumps = List.of(pump(process.getInputStream(), stdout::add), pump(process.getErrorStream(), stderr::add));
    }

    static MnemoProcess start(String... args) throws IOException {
        if (!Files.exists(JAR)) {
            throw new IllegalStateException(JAR + " is missing: integration tests run after 'package'");
        }
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("--enable-native-access=ALL-UNNAMED");
        if (Runtime.version().feature() >= 23) {
            command.add("--sun-misc-unsafe-memory-access=allow");
        }
        command.add("-jar");
        command.add(JAR.toString());
        command.addAll(List.of(args));
        return new MnemoProcess(new ProcessBuilder(command).start());
    }

    private static Thread pump(java.io.InputStream in, java.util.function.Consumer<String> sink) {
        return Thread.ofPlatform().daemon().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    sink.accept(line);
                }
            } catch (IOException ignored) {
                // The process ended.
            }
        });
    }

    /** The next stdout line, waiting up to {@code seconds}; fails with stderr if none comes. */
    String nextLine(int seconds) throws InterruptedException {
        String line = stdout.poll(seconds, TimeUnit.SECONDS);
        if (line == null) {
            throw new AssertionError("no output in " + seconds + " s (alive: " + process.isAlive() + "); stderr:\n"
                    + String.join("\n", stderr));
        }
        return line;
    }

    /** Stdout lines printed so far and not yet taken. */
    List<String> remainingStdout() {
        List<String> lines = new ArrayList<>();
        stdout.drainTo(lines);
        return lines;
    }

    List<String> stderr() {
        synchronized (stderr) {
            return List.copyOf(stderr);
        }
    }

    /** Sends SIGTERM. */
    void terminate() {
        process.destroy();
    }

    /** Sends SIGKILL: the process gets no chance to clean up. */
    void kill() {
        process.destroyForcibly();
    }

    /** Waits for the exit; returns the exit code, or fails after {@code seconds}. */
    int waitFor(int seconds) throws InterruptedException {
        if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
            throw new AssertionError("still running after " + seconds + " s; stderr:\n" + String.join("\n", stderr));
        }
        for (Thread pump : pumps) {
            pump.join(2000); // to the end of the streams
        }
        return process.exitValue();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    /** Detaches a mount a killed process may have left behind. */
    static void unmountIfMounted(Path mountPoint) throws IOException, InterruptedException {
        String needle = " " + mountPoint.toAbsolutePath() + " ";
        if (Files.readAllLines(Path.of("/proc/mounts")).stream().anyMatch(l -> l.contains(needle))) {
            new ProcessBuilder("fusermount", "-uz", mountPoint.toAbsolutePath().toString()).start().waitFor();
        }
    }

    static boolean isMounted(Path mountPoint) throws IOException {
        String needle = " " + mountPoint.toAbsolutePath() + " ";
        return Files.readAllLines(Path.of("/proc/mounts")).stream().anyMatch(l -> l.contains(needle));
    }
}
