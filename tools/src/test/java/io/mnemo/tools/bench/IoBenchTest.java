package io.mnemo.tools.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mnemo.tools.MnemoCli;
import io.mnemo.tools.MnemoCli.Output;
import io.mnemo.tools.bench.CacheDropper.CacheState;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The I/O benchmark on a temporary directory, with small sizes and a fake cache dropper (a real
 * one would sync and drop the whole machine's caches): it runs and reports every phase, checks
 * the bytes it reads, and leaves nothing behind. Nothing here is timed.
 */
class IoBenchTest {
    /** Three whole blocks, one page and a ragged end; small files that are not whole pages. */
    private static final IoBench.Settings SMALL = new IoBench.Settings(3L * IoBench.BLOCK_BYTES + 4096 + 100, 50, 20,
            5000, List.of(1, 3), 7);

    @TempDir
    Path dir;

    private final ByteArrayOutputStream progress = new ByteArrayOutputStream();

    @Test
    void run_reportsEveryPhase_andRemovesItsDirectory() throws Exception {
        List<String> drops = new ArrayList<>();
        IoBench.Result result = new IoBench(dir, SMALL, () -> {
            drops.add("drop");
            return new CacheState(true, "fake drop");
        }, new PrintStream(progress)).run();

        assertEquals(List.of("seq-write", "seq-read", "rand-read", "small-write", "small-read-1t", "small-read-3t"),
                result.phases().stream().map(p -> p.timing().phase()).toList());
        assertEquals(4, drops.size(), "one drop before each read phase");
        assertEquals(List.of(4L, 4L, 50L, 40L, 20L, 20L), // a set of small files for each read phase
                result.phases().stream().map(p -> p.timing().operations()).toList());
        assertEquals(List.of(SMALL.fileBytes(), SMALL.fileBytes(), 50L * 4096, 200_000L, 100_000L, 100_000L),
                result.phases().stream().map(IoPhaseResult::bytes).toList());
        for (IoPhaseResult p : result.phases()) {
            assertEquals(p.timing().phase().contains("read"), p.caches() != null, p.timing().phase());
            assertEquals(p.timing().operations(), p.timing().latencyNanos().getTotalCount(), p.timing().phase());
        }
        assertEmpty(dir);

        ByteArrayOutputStream report = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(report, true, StandardCharsets.UTF_8);
        BenchReport.print(out, "mnemo bench io", result);
        BenchReport.printRatios(out, result, result);
        String text = report.toString(StandardCharsets.UTF_8);
        assertTrue(text.contains("reads cold: fake drop"), text);
        for (IoPhaseResult p : result.phases()) {
            assertTrue(text.lines().filter(l -> l.contains(p.timing().phase())).count() == 2, text);
        }
        assertTrue(text.contains("1.00x the baseline's MB/s"), text);
    }

    @Test
    void run_saysWhenReadsAreWarm() throws Exception {
        IoBench.Result result = new IoBench(dir, SMALL, () -> new CacheState(false, "not root"),
                new PrintStream(progress)).run();
        ByteArrayOutputStream report = new ByteArrayOutputStream();
        BenchReport.print(new PrintStream(report, true, StandardCharsets.UTF_8), "mnemo bench io", result);
        assertTrue(report.toString(StandardCharsets.UTF_8).contains("reads WARM: not root"), report.toString());
    }

    @Test
    void run_stopsAtBytesThatDifferFromWhatWasWritten_andStillRemovesItsDirectory() {
        // Before the sequential read, change one byte of the large file's second block.
        long corrupt = IoBench.BLOCK_BYTES + 12345;
        IOException e = assertThrows(IOException.class,
                () -> new IoBench(dir, SMALL, corruptingAt(dir, "large", corrupt, 1), new PrintStream(progress)).run());
        assertTrue(e.getMessage().startsWith("seq-read "), e.getMessage());
        assertTrue(e.getMessage().contains("byte " + corrupt + " of the file reads back as"), e.getMessage());
        assertEmpty(dir);
    }

    @Test
    void run_stopsAtASmallFileOfTheWrongLength_andStillRemovesItsDirectory() {
        // The third drop comes before the first small-file read: append a byte to one of them.
        IOException e = assertThrows(IOException.class, () -> new IoBench(dir, SMALL, appendingTo(dir, 3),
                new PrintStream(progress)).run());
        assertTrue(e.getMessage().startsWith("small-read-1t "), e.getMessage());
        assertTrue(e.getMessage().contains("more than 5000 bytes read back, but 5000 were written"), e.getMessage());
        assertEmpty(dir);
    }

    @Test
    void run_readsSmallFilesNoEarlierPhaseRead() throws Exception {
        // Before the second small-file read, the files the first one read go: the second must not need them.
        int[] drops = {0};
        IoBench.Result result = new IoBench(dir, SMALL, () -> {
            if (++drops[0] == 4) {
                try {
                    for (int i = 0; i < SMALL.smallFiles(); i++) {
                        Files.delete(find(dir, MetaBench.fileName(i)));
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return new CacheState(true, "fake drop");
        }, new PrintStream(progress)).run();
        assertEquals("small-read-3t", result.phases().getLast().timing().phase());
        assertEmpty(dir);
    }

    @Test
    void help_describesEveryPhaseAndOption() {
        Output o = mnemo("bench", "io", "--help");
        assertEquals(0, o.exitCode());
        for (String s : List.of("seq-write", "seq-read", "rand-read", "small-write", "small-read-Nt", "--size",
                "--reads", "--small-files", "--small-size", "--threads", "--seed", "--baseline", "drop_caches")) {
            assertTrue(o.out().contains(s), s + " in " + o.out());
        }
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "--size|1K|--size: must be at least 4K, got 1024",
        "--size|lots|'lots' is not a size",
        "--size|99999999999T|'99999999999T' is too large",
        "--reads|0|--reads: must be between 1 and 10000000, got 0",
        "--small-files|-1|--small-files: must be between 1 and 10000000, got -1",
        "--small-size|17M|--small-size: must be between 1 and 16M, got 17825792",
        "--threads|1,0|--threads: each must be between 1 and 64, got 0",
        "--threads|x|'x'"})
    void badOptions_areUsageErrors(String option, String value, String message) {
        Output o = mnemo("bench", "io", dir.toString(), option, value);
        assertEquals(2, o.exitCode(), o.err());
        List<String> lines = o.err().lines().toList();
        assertEquals(1, lines.size(), o.err());
        assertTrue(lines.get(0).startsWith("mnemo: ") && lines.get(0).contains(message), o.err());
        assertTrue(lines.get(0).endsWith("(see 'mnemo bench io --help')"), o.err());
        assertEmpty(dir);
    }

    @Test
    void badDirectories_areOneLineErrors() throws IOException {
        Path file = Files.createFile(dir.resolve("file"));
        Path missing = dir.resolve("missing");
        assertEquals(new Output(1, "", "mnemo: " + missing + ": no such directory\n"),
                mnemo("bench", "io", missing.toString()));
        assertEquals(new Output(1, "", "mnemo: " + file + ": not a directory\n"),
                mnemo("bench", "io", dir.toString(), "--baseline", file.toString()));
        Output tooBig = mnemo("bench", "io", dir.toString(), "--size", "1000000T");
        assertEquals(1, tooBig.exitCode(), tooBig.err());
        assertTrue(tooBig.err().matches("mnemo: " + dir + ": the benchmark writes .* but only .* is free;.*\n"),
                tooBig.err());
    }

    /** A cache dropper that, at its n-th call, flips one byte of the named file under {@code root}. */
    private static CacheDropper corruptingAt(Path root, String name, long offset, int nth) {
        int[] calls = {0};
        return () -> {
            if (++calls[0] == nth) {
                try (FileChannel ch = FileChannel.open(find(root, name), StandardOpenOption.READ,
                        StandardOpenOption.WRITE)) {
                    ByteBuffer b = ByteBuffer.allocate(1);
                    ch.read(b, offset);
                    b.put(0, (byte) ~b.get(0));
                    ch.write(b.flip(), offset);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return new CacheState(true, "fake drop");
        };
    }

    /** A cache dropper that, at its n-th call, appends a byte to the third small file. */
    private static CacheDropper appendingTo(Path root, int nth) {
        int[] calls = {0};
        return () -> {
            if (++calls[0] == nth) {
                try {
                    Files.write(find(root, MetaBench.fileName(2)), new byte[1], StandardOpenOption.APPEND);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return new CacheState(true, "fake drop");
        };
    }

    private static Path find(Path root, String name) throws IOException {
        try (Stream<Path> all = Files.walk(root)) {
            return all.filter(p -> p.getFileName().toString().equals(name)).findFirst().orElseThrow();
        }
    }

    private static void assertEmpty(Path dir) {
        try (Stream<Path> entries = Files.list(dir)) {
            List<Path> left = entries.toList();
            assertEquals(List.of(), left, "left behind in " + dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Output mnemo(String... args) {
        return MnemoCli.run(args);
    }
}
