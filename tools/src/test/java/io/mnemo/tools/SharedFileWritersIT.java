package io.mnemo.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mnemo.core.client.FileHandle;
import io.mnemo.core.client.MnemoClient;
import io.mnemo.core.model.Attributes;
import io.mnemo.core.model.Caller;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Several processes on two mounts (two clients) of one cluster write disjoint ranges of one
 * shared file at the same time, as the ranks of a job write one checkpoint. Afterwards each
 * mount and a fresh client read exactly the union of the writes, holes read as zeros, and the
 * length is the largest end, whichever writer finished first.
 *
 * <p>Mount A is this JVM's ({@link MountedCluster}); mount B is a {@code mnemo mount} process
 * of its own, so the two are separate clients. Each writer is a shell that opens the file once,
 * waits for "go", writes all but the last piece of its range with {@code dd} in 128 KiB writes
 * (dd's exit closes its copy of the descriptor: a flush, which commits the length), waits for
 * "go" again, writes its last piece with {@code conv=fsync} and closes the file. The test holds
 * every writer at these two points, so the writes really overlap and the order of the closes is
 * the test's choice. The shared directory has small chunks, so the ranges cross many chunk
 * boundaries; ranges within the first 64 KiB are what a file keeps inline in the metadata service.
 */
class SharedFileWritersIT {
    /** The shared directory's chunk size: small, so that the ranges cross many chunk boundaries. */
    private static final int CHUNK = 256 * 1024;
    private static final int WRITE = 128 * 1024;
    private static final int LINE_TIMEOUT_SECONDS = 60;

    @RegisterExtension
    static final MountedCluster cluster = new MountedCluster(3);

    private static MnemoProcess secondMount;
    private static Path mntB;

    /** One writer's range, on one mount; {@code tail} bytes at its end are written in the second step. */
    private record Range(Path mount, long offset, long length, long tail) {
        Range(Path mount, long offset, long length) {
            this(mount, offset, length, Math.min(length, WRITE));
        }

        long end() {
            return offset + length;
        }

        @Override
        public String toString() {
            return "[" + offset + ", " + end() + ") on " + (mount.equals(mntA()) ? "mount A" : "mount B");
        }
    }

    @BeforeAll
    static void mountSecondClient() throws Exception {
        mntB = Files.createDirectories(cluster.scratch().resolve("mnt-b"));
        String meta = "127.0.0.1:" + cluster.cluster().metaAddress().getPort();
        secondMount = MnemoProcess.start("mount", mntB.toString(), "--meta", meta,
                "--secret-file", cluster.stateDir().resolve("cluster.secret").toString());
        assertEquals("Mnemo mounted at " + mntB.toAbsolutePath(), secondMount.nextLine(60));
        Path shared = Files.createDirectory(mntA().resolve("ckpt"));
        Files.getFileAttributeView(shared, UserDefinedFileAttributeView.class)
                .write("mnemo.layout", StandardCharsets.UTF_8.encode("chunk_size=" + CHUNK));
    }

    @AfterAll
    static void unmountSecondClient() throws Exception {
        try {
            if (secondMount != null) {
                secondMount.terminate();
                assertEquals(0, secondMount.waitFor(20), () -> "mount B: " + secondMount.stderr());
            }
        } finally {
            if (secondMount != null) {
                secondMount.close();
            }
            if (mntB != null) {
                MnemoProcess.unmountIfMounted(mntB);
            }
        }
    }

    private static Path mntA() {
        return cluster.mountPoint();
    }

    /** Contiguous ranges of assorted sizes from 4 writers on each mount; every close overlaps the others. */
    @Test
    @Timeout(120)
    void disjointRanges_fromTwoMounts_atOnce_readBackAsTheirUnion() throws Exception {
        List<Range> ranges = contiguous(5_000, 700_001, 1_300_000, 262_144, 999_999, 2_000_003, 131_072, 1_500_000);
        try (Writers writers = Writers.open("atonce.bin", ranges)) {
            writers.go("written");
            writers.go("closed");
            writers.awaitExits();
        }
        assertUnion("atonce.bin", ranges);
    }

    /** The writer with the largest end closes first; the later, shorter commits must not shrink the file. */
    @Test
    @Timeout(120)
    void largestEnd_closedFirst_isStillTheLength() throws Exception {
        List<Range> ranges = contiguous(70_000, 1_000_001, 333_333, 2_100_000, 262_144, 65_536, 1_234_567, 900_000);
        Range largest = ranges.getLast();
        try (Writers writers = Writers.open("largest-first.bin", ranges)) {
            writers.go("written");
            writers.go(largest, "closed");
            assertSizeOnBothMounts("largest-first.bin", largest.end());
            writers.goAllBut(largest, "closed");
            writers.awaitExits();
        }
        assertUnion("largest-first.bin", ranges);
    }

    /**
     * Writers leave holes: at the start of the file, inside a chunk, across a chunk boundary and
     * over whole chunks; the holes read as zeros and the length is the largest end (whose writer
     * closes first), not a chunk boundary.
     */
    @Test
    @Timeout(120)
    void sparseRanges_holesReadAsZeros() throws Exception {
        List<Range> ranges = List.of(
                new Range(mntA(), 10_000, 300_000),
                new Range(mntB, 600_000, 200_000),                  // hole across the chunk 1 / chunk 2 boundary
                new Range(mntA(), 1_400_000, 500_001),              // hole over all of chunk 4
                new Range(mntB, 1_900_001 + 4_096, 131_072),        // a hole of one page
                new Range(mntA(), 12L * CHUNK + 17, 250_000),       // chunk 11 never written
                new Range(mntB, 16L * CHUNK - 1, 131_073),          // the largest end; chunks 13 to 15 never written
                new Range(mntA(), 2_200_000, 1_000),
                new Range(mntB, 2_400_000, 300_000));
        Range largest = ranges.get(5);
        try (Writers writers = Writers.open("sparse.bin", ranges)) {
            writers.go("written");
            writers.go(largest, "closed");
            writers.goAllBut(largest, "closed");
            writers.awaitExits();
        }
        assertUnion("sparse.bin", ranges);
    }

    /**
     * Small ranges from both mounts, all within what a file keeps inline in the metadata service:
     * each mount must send back only its own bytes, not its whole copy of the file.
     */
    @Test
    @Timeout(120)
    void smallRanges_fromTwoMounts_allKeptInline_areTheirUnion() throws Exception {
        List<Range> ranges = List.of(
                new Range(mntA(), 0, 1_000),
                new Range(mntB, 1_000, 2_000),
                new Range(mntA(), 5_000, 1_000),
                new Range(mntB, 10_000, 100));
        try (Writers writers = Writers.open("inline.bin", ranges)) {
            writers.go("written");
            writers.go("closed");
            writers.awaitExits();
        }
        assertUnion("inline.bin", ranges);
    }

    /**
     * A small range at the start of the file (a checkpoint's header, the kind of write a file
     * keeps inline in the metadata service) closed on mount A before the writers on mount B
     * move the file to chunks: their move must not drop it.
     */
    @Test
    @Timeout(120)
    void smallHeader_closedFirst_survivesAnotherMountMovingTheFileToChunks() throws Exception {
        List<Range> ranges = List.of(
                new Range(mntA(), 0, 4_096),
                new Range(mntB, 4_096, 1_000_000),
                new Range(mntB, 1_004_096, 500_000));
        Range header = ranges.getFirst();
        try (Writers writers = Writers.open("header-first.bin", ranges)) {
            writers.go(header, "written");
            writers.go(header, "closed");
            writers.goAllBut(header, "written");
            writers.goAllBut(header, "closed");
            writers.awaitExits();
        }
        assertUnion("header-first.bin", ranges);
    }

    /**
     * The same header, written on mount A into the copy mount A took when the file was still
     * inline, and closed after mount B moved the file to chunks: it must land, and close succeed.
     */
    @Test
    @Timeout(120)
    void smallHeader_closedLast_landsAfterAnotherMountMovedTheFileToChunks() throws Exception {
        List<Range> ranges = List.of(
                new Range(mntA(), 0, 4_096),
                new Range(mntB, 4_096, 1_000_000),
                new Range(mntB, 1_004_096, 500_000));
        Range header = ranges.getFirst();
        try (Writers writers = Writers.open("header-last.bin", ranges)) {
            writers.go("written");
            writers.goAllBut(header, "closed");
            writers.go(header, "closed");
            writers.awaitExits();
        }
        assertUnion("header-last.bin", ranges);
    }

    /**
     * Threads of this JVM write through mount A with FileChannel while processes write through
     * mount B; while the threads have not closed, mount A reports the length mount B committed,
     * not the shorter one it knows of itself.
     */
    @Test
    @Timeout(120)
    void fileChannelThreads_onOneMount_andProcessesOnAnother() throws Exception {
        String name = "threads.bin";
        List<Range> viaB = List.of(new Range(mntB, 3_000_000, 800_000), new Range(mntB, 1_000_000, 700_000));
        long[][] viaA = {{0, 1_000_000}, {1_700_000, 1_300_000}};
        byte[] source = source(viaB.getFirst().end());
        Files.createFile(mntA().resolve("ckpt").resolve(name));
        List<FileChannel> channels = new ArrayList<>();
        try (Writers writers = Writers.open(name, viaB, source)) {
            for (int i = 0; i < viaA.length; i++) {
                channels.add(FileChannel.open(mntA().resolve("ckpt").resolve(name), StandardOpenOption.WRITE));
            }
            List<Thread> threads = new ArrayList<>();
            List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
            writers.releaseAll();
            for (int i = 0; i < viaA.length; i++) {
                FileChannel ch = channels.get(i);
                long[] r = viaA[i];
                threads.add(Thread.ofPlatform().start(() -> {
                    try {
                        for (long off = r[0]; off < r[0] + r[1]; off += WRITE) {
                            int n = (int) Math.min(WRITE, r[0] + r[1] - off);
                            ByteBuffer b = ByteBuffer.wrap(source, (int) off, n);
                            while (b.hasRemaining()) {
                                ch.write(b, b.position()); // source offset = file offset
                            }
                        }
                    } catch (Throwable t) {
                        failures.add(t);
                    }
                }));
            }
            writers.awaitAll("written");
            for (Thread t : threads) {
                t.join();
            }
            assertEquals(List.of(), failures);
            writers.go("closed");
            writers.awaitExits();
            // Mount A's threads wrote below B's end and have not closed: A still shows B's end.
            assertEquals(viaB.getFirst().end(), Files.size(mntA().resolve("ckpt").resolve(name)),
                    "size on mount A while its writers have not closed");
            for (FileChannel ch : channels) {
                ch.force(true);
                ch.close();
            }
        } finally {
            for (FileChannel ch : channels) {
                ch.close();
            }
        }
        List<Range> all = new ArrayList<>(viaB);
        for (long[] r : viaA) {
            all.add(new Range(mntA(), r[0], r[1]));
        }
        assertUnion(name, all, source);
    }

    // ------------------------------------------------------------------ helpers

    /** Ranges one after another from offset 0, alternately on mount A and mount B. */
    private static List<Range> contiguous(long... lengths) {
        List<Range> ranges = new ArrayList<>();
        long offset = 0;
        for (int i = 0; i < lengths.length; i++) {
            ranges.add(new Range(i % 2 == 0 ? mntA() : mntB, offset, lengths[i]));
            offset += lengths[i];
        }
        return ranges;
    }

    private static byte[] source(long sizeBytes) {
        byte[] data = new byte[Math.toIntExact(sizeBytes)];
        new Random(sizeBytes).nextBytes(data);
        return data;
    }

    private static void assertSizeOnBothMounts(String name, long expected) throws IOException {
        for (Path mnt : List.of(mntA(), mntB)) {
            assertEquals(expected, Files.size(mnt.resolve("ckpt").resolve(name)), "size on " + mnt);
        }
    }

    private static void assertUnion(String name, List<Range> ranges) throws Exception {
        assertUnion(name, ranges, source(ranges.stream().mapToLong(Range::end).max().orElseThrow()));
    }

    /** Mount A, mount B and a fresh client all read the union of the ranges, zeros elsewhere. */
    private static void assertUnion(String name, List<Range> ranges, byte[] source) throws Exception {
        long end = ranges.stream().mapToLong(Range::end).max().orElseThrow();
        byte[] expected = new byte[Math.toIntExact(end)];
        for (Range r : ranges) {
            System.arraycopy(source, (int) r.offset(), expected, (int) r.offset(), (int) r.length());
        }
        for (Path mnt : List.of(mntA(), mntB)) {
            Path file = mnt.resolve("ckpt").resolve(name);
            String where = name + " on " + (mnt.equals(mntA()) ? "mount A" : "mount B");
            assertEquals(end, Files.size(file), where + ": size");
            assertSameBytes(expected, Files.readAllBytes(file), ranges, where);
        }
        try (MnemoClient fresh = MnemoClient.connect(cluster.cluster().clientConfig().overNetwork())) {
            Attributes a = fresh.resolve("/ckpt/" + name);
            assertEquals(end, a.sizeBytes(), name + " from a fresh client: size");
            assertEquals(CHUNK, a.layout().chunkSizeBytes(), "the shared directory's layout");
            FileHandle h = fresh.open(a.inode(), MnemoClient.O_RDONLY, false, Caller.ROOT);
            byte[] back = new byte[expected.length];
            int n = 0;
            while (n < back.length) {
                byte[] part = fresh.read(h, n, Math.min(1 << 20, back.length - n));
                if (part.length == 0) {
                    break;
                }
                System.arraycopy(part, 0, back, n, part.length);
                n += part.length;
            }
            assertEquals(0, fresh.read(h, n, 1).length, name + " from a fresh client: bytes past the end");
            fresh.release(h);
            assertSameBytes(expected, java.util.Arrays.copyOf(back, n), ranges, name + " from a fresh client");
        }
    }

    /** Fails naming the first wrong byte and whose range (or which hole) it is in. */
    private static void assertSameBytes(byte[] expected, byte[] actual, List<Range> ranges, String where) {
        int n = Math.min(expected.length, actual.length);
        int first = -1;
        int wrong = 0;
        for (int i = 0; i < n; i++) {
            if (expected[i] != actual[i]) {
                wrong++;
                if (first < 0) {
                    first = i;
                }
            }
        }
        if (first < 0 && expected.length == actual.length) {
            return;
        }
        StringBuilder m = new StringBuilder(where).append(": read ").append(actual.length).append(" bytes, expected ")
                .append(expected.length);
        if (first >= 0) {
            long at = first;
            String owner = ranges.stream().filter(r -> r.offset() <= at && at < r.end()).map(Range::toString)
                    .findFirst().orElse("a hole");
            m.append("; ").append(wrong).append(" bytes differ, the first at ").append(first).append(" (in ")
                    .append(owner).append(")");
        }
        throw new AssertionError(m.toString());
    }

    /** The writer processes of one test, each holding the file open from start to {@link #close}. */
    private static final class Writers implements AutoCloseable {
        private final List<Range> ranges;
        private final List<RangeWriter> writers;

        private Writers(List<Range> ranges, List<RangeWriter> writers) {
            this.ranges = ranges;
            this.writers = writers;
        }

        /** Creates the file on mount A, starts one writer per range and waits until each has it open. */
        static Writers open(String name, List<Range> ranges) throws Exception {
            byte[] source = source(ranges.stream().mapToLong(Range::end).max().orElseThrow());
            Files.createFile(mntA().resolve("ckpt").resolve(name));
            return open(name, ranges, source);
        }

        /** Starts one writer per range of the existing file and waits until each has it open. */
        static Writers open(String name, List<Range> ranges, byte[] source) throws Exception {
            Path sourceFile = cluster.scratch().resolve(name + ".source");
            Files.write(sourceFile, source);
            List<RangeWriter> started = new ArrayList<>();
            Writers writers = new Writers(ranges, started);
            try {
                for (Range r : ranges) {
                    started.add(RangeWriter.start(r, r.mount().resolve("ckpt").resolve(name), sourceFile));
                }
                writers.awaitAll("opened");
                return writers;
            } catch (Exception | Error e) {
                writers.close();
                throw e;
            }
        }

        /** Lets every writer go on, then waits until each prints {@code line}. */
        void go(String line) throws Exception {
            go(writers, line);
        }

        /** Lets one writer go on and waits until it prints {@code line}. */
        void go(Range r, String line) throws Exception {
            go(List.of(writers.get(ranges.indexOf(r))), line);
        }

        void goAllBut(Range excluded, String line) throws Exception {
            go(writers.stream().filter(w -> w.range != excluded).toList(), line);
        }

        void releaseAll() throws IOException {
            for (RangeWriter w : writers) {
                w.release();
            }
        }

        void awaitAll(String line) throws Exception {
            for (RangeWriter w : writers) {
                w.expect(line);
            }
        }

        /** Releases them all before waiting for any, so that they run at the same time. */
        private static void go(List<RangeWriter> chosen, String line) throws Exception {
            for (RangeWriter w : chosen) {
                w.release();
            }
            for (RangeWriter w : chosen) {
                w.expect(line);
            }
        }

        void awaitExits() throws Exception {
            for (RangeWriter w : writers) {
                w.awaitExit();
            }
        }

        @Override
        public void close() throws InterruptedException {
            for (RangeWriter w : writers) {
                w.close();
            }
        }
    }

    /** A shell writing one range through a mount, stopping at "opened" and "written" until told to go on. */
    private static final class RangeWriter implements AutoCloseable {
        /*
         * Every write goes through the one descriptor opened at the start (a program that opens the
         * file once), dd's stdout sharing its offset: dd seeks stdout relative to where it is. Each
         * dd's exit closes its copy of the descriptor, which flushes (commits the length).
         */
        private static final String SCRIPT = String.join("\n",
                "set -euo pipefail",
                "file=$1 src=$2 off=$3 len=$4 tail=$5",
                "head=$((len - tail)) at=$((off + len - tail)) pos=0",
                "exec 3<>\"$file\"",
                "echo opened",
                "read -r _",
                "if [ \"$head\" -gt 0 ]; then",
                "  dd if=\"$src\" bs=" + WRITE + " iflag=skip_bytes,count_bytes skip=\"$off\" count=\"$head\""
                        + " oflag=seek_bytes seek=\"$off\" conv=notrunc status=none >&3",
                "  pos=$at",
                "fi",
                "echo written",
                "read -r _",
                "dd if=\"$src\" bs=" + WRITE + " iflag=skip_bytes,count_bytes skip=\"$at\" count=\"$tail\""
                        + " oflag=seek_bytes seek=$((at - pos)) conv=notrunc,fsync status=none >&3",
                "exec 3>&-",
                "echo closed");

        final Range range;
        private final Process process;
        private final OutputStream stdin;
        private final BlockingQueue<String> stdout = new LinkedBlockingQueue<>();
        private final Thread pump;
        private final Path stderr;

        private RangeWriter(Range range, Process process, Path stderr) {
            this.range = range;
            this.process = process;
            this.stdin = process.getOutputStream();
            this.stderr = stderr;
            InputStream out = process.getInputStream();
            this.pump = Thread.ofPlatform().daemon().start(() -> {
                try (var r = new java.io.BufferedReader(new java.io.InputStreamReader(out, StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        stdout.add(line);
                    }
                } catch (IOException ignored) {
                    // The process ended.
                }
            });
        }

        static RangeWriter start(Range r, Path file, Path source) throws IOException {
            Path err = Files.createTempFile(cluster.scratch(), "writer-", ".err");
            Process p = new ProcessBuilder("bash", "-c", SCRIPT, "writer", file.toString(), source.toString(),
                    Long.toString(r.offset()), Long.toString(r.length()), Long.toString(r.tail()))
                    .redirectError(err.toFile())
                    .start();
            return new RangeWriter(r, p, err);
        }

        /** Lets the writer go on to its next step. */
        void release() throws IOException {
            stdin.write("go\n".getBytes(StandardCharsets.US_ASCII));
            stdin.flush();
        }

        /** Waits until the writer prints {@code line}. */
        void expect(String line) throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(LINE_TIMEOUT_SECONDS);
            String got;
            while ((got = stdout.poll(100, TimeUnit.MILLISECONDS)) == null && System.nanoTime() < deadline) {
                if (!pump.isAlive()) { // its stdout ended: the writer has exited
                    got = stdout.poll();
                    break;
                }
            }
            if (!line.equals(got)) {
                throw new AssertionError("writer " + range + " printed " + (got == null ? "nothing" : "'" + got + "'")
                        + " instead of '" + line + "' (alive: " + process.isAlive() + "); stderr:\n" + stderrText());
            }
        }

        void awaitExit() throws Exception {
            if (!process.waitFor(LINE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new AssertionError("writer " + range + " did not exit");
            }
            assertEquals(0, process.exitValue(), () -> "writer " + range + " failed: " + stderrText());
        }

        private String stderrText() {
            try {
                return Files.readString(stderr);
            } catch (IOException e) {
                return "(unreadable: " + e + ")";
            }
        }

        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) {
                process.destroyForcibly();
                process.waitFor(15, TimeUnit.SECONDS);
            }
        }
    }
}
