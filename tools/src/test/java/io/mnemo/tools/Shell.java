package io.mnemo.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the shell tools a user would run on a mount, and fails the test when they fail. */
final class Shell {
    private Shell() {}

    /** Runs {@code bash -c script} in {@code dir}; returns stdout; fails on a non-zero exit. */
    static String run(Path dir, String script) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(List.of("bash", "-c", "set -euo pipefail; " + script))
                .directory(dir.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("timed out: " + script);
        }
        assertEquals(0, p.exitValue(), () -> "failed: " + script + "\n" + out);
        return out;
    }
}
