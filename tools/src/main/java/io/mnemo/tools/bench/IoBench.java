package io.mnemo.tools.bench;

import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import com.google.common.base.Preconditions;
import io.mnemo.tools.bench.CacheDropper.CacheState;
import io.mnemo.tools.bench.DataPattern.DataMismatchException;
import java.io.EOFException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The data benchmark: in a fresh directory under the target, writes one large file sequentially
 * in 1 MiB blocks and fsyncs it, reads it back sequentially, reads random aligned 4 KiB pages of
 * it, then writes many small files and reads them back with 1 thread, then with more: each of
 * those reads takes its own set of files, never read before, because a file system may keep
 * what it has read where dropping the kernel's caches does not reach (Mnemo's metadata service
 * maps its table files, and mapped pages survive {@code drop_caches}). Caches are
 * dropped before every read phase (when this process may), and every byte read is checked
 * against what was written ({@link DataPattern}), so a wrong answer stops the run instead of
 * being timed. The directory is removed at the end, also when a phase fails.
 */
public final class IoBench {
    public static final int BLOCK_BYTES = DataPattern.PERIOD_BYTES;
    public static final int PAGE_BYTES = DataPattern.PAGE_BYTES;
    /** The large file's number in its stamps; small file i is number i + 1. */
    private static final long LARGE_FILE = 0;

    private final Path target;
    private final Settings settings;
    private final CacheDropper caches;
    private final PrintStream progress;
    private final DataPattern pattern;

    /**
     * What to run.
     *
     * @param fileBytes the large file's size, at least one page
     * @param randomReads how many random 4 KiB reads of the large file
     * @param smallFiles how many small files each small-file read phase reads (a set of its own)
     * @param smallFileBytes each small file's size
     * @param readThreads the small files are read once with each of these thread counts
     * @param seed for the data and the random offsets
     */
    public record Settings(long fileBytes, int randomReads, int smallFiles, int smallFileBytes,
            List<Integer> readThreads, long seed) {
        public Settings {
            Preconditions.checkArgument(fileBytes >= PAGE_BYTES, "fileBytes < one page: %s", fileBytes);
            Preconditions.checkArgument(randomReads >= 1, "randomReads < 1: %s", randomReads);
            Preconditions.checkArgument(smallFiles >= 1, "smallFiles < 1: %s", smallFiles);
            Preconditions.checkArgument(smallFileBytes >= 1, "smallFileBytes < 1: %s", smallFileBytes);
            Preconditions.checkArgument(!readThreads.isEmpty() && readThreads.stream().allMatch(t -> t >= 1),
                    "readThreads: %s", readThreads);
            readThreads = List.copyOf(readThreads);
        }

        /** Small files written: one set for each read phase. */
        public int smallFilesWritten() {
            return Math.multiplyExact(smallFiles, readThreads.size());
        }

        /** What the run writes at most: the large file and the small files. */
        public long totalBytes() {
            return fileBytes + (long) smallFilesWritten() * smallFileBytes;
        }
    }

    /** What a run measured, in the order the phases ran. */
    public record Result(Path directory, Settings settings, List<IoPhaseResult> phases) {}

    /**
     * @param target an existing, writable directory
     * @param caches drops the kernel's caches before each read phase
     *     ({@link CacheDropper#pagesDentriesAndInodes()} for real runs)
     * @param progress where phases report how far they are (stderr)
     */
    public IoBench(Path target, Settings settings, CacheDropper caches, PrintStream progress) {
        this.target = target;
        this.settings = settings;
        this.caches = caches;
        this.progress = progress;
        this.pattern = new DataPattern(settings.seed());
    }

    public Result run() throws IOException, InterruptedException {
        Path dir = Files.createDirectory(target.resolve("mnemo-bench-io-" + ProcessHandle.current().pid() + "-"
                + Long.toHexString(System.nanoTime())));
        Path file = dir.resolve("large");
        Path small = dir.resolve("small");
        List<IoPhaseResult> phases = new ArrayList<>();
        try {
            phases.add(sequentialWrite(file));
            phases.add(sequentialRead(file, caches.drop()));
            phases.add(randomReads(file, caches.drop()));
            Files.createDirectory(small);
            phases.add(smallWrites(small));
            for (int set = 0; set < settings.readThreads().size(); set++) {
                phases.add(smallReads(small, set, caches.drop()));
            }
            return new Result(dir, settings, phases);
        } finally {
            cleanUp(dir, file, small);
        }
    }

    private int blocks() {
        return Math.toIntExact((settings.fileBytes() + BLOCK_BYTES - 1) / BLOCK_BYTES);
    }

    private int blockLength(int block) {
        return (int) Math.min(BLOCK_BYTES, settings.fileBytes() - (long) block * BLOCK_BYTES);
    }

    private IoPhaseResult sequentialWrite(Path file) throws IOException, InterruptedException {
        try (FileChannel channel = FileChannel.open(file, CREATE_NEW, WRITE)) {
            PhaseResult writes = PhaseRunner.run("seq-write", blocks(), 1, "blocks", i -> atByte(file, i), () -> {
                ByteBuffer block = ByteBuffer.allocateDirect(BLOCK_BYTES);
                pattern.fill(block, LARGE_FILE, 0);
                return i -> {
                    long offset = (long) i * BLOCK_BYTES;
                    block.clear().limit(blockLength(i));
                    pattern.stamp(block, LARGE_FILE, offset);
                    while (block.hasRemaining()) {
                        channel.write(block);
                    }
                };
            }, progress);
            long start = System.nanoTime();
            try {
                channel.force(true);
            } catch (IOException e) {
                throw new IOException("seq-write " + file + ": fsync: " + PhaseRunner.describe(e), e);
            }
            long fsyncNanos = System.nanoTime() - start;
            PhaseResult timing = new PhaseResult(writes.phase(), writes.operations(),
                    writes.elapsedNanos() + fsyncNanos, writes.latencyNanos());
            return new IoPhaseResult(timing, settings.fileBytes(), "blocks",
                    String.format("%s in %d blocks, %.2f s with the fsync's %.1f ms",
                            BenchReport.bytes(settings.fileBytes()), blocks(), timing.elapsedNanos() / 1e9,
                            fsyncNanos / 1e6),
                    null);
        }
    }

    private IoPhaseResult sequentialRead(Path file, CacheState cache) throws IOException, InterruptedException {
        try (FileChannel channel = FileChannel.open(file, READ)) {
            long length = channel.size();
            if (length != settings.fileBytes()) {
                throw new DataMismatchException("seq-read " + file + ": the file is " + length + " bytes long, but "
                        + settings.fileBytes() + " were written");
            }
            PhaseResult timing = PhaseRunner.run("seq-read", blocks(), 1, "blocks", i -> atByte(file, i), () -> {
                ByteBuffer block = ByteBuffer.allocateDirect(BLOCK_BYTES);
                ByteBuffer expected = ByteBuffer.allocateDirect(BLOCK_BYTES);
                pattern.fill(expected, LARGE_FILE, 0);
                return i -> {
                    long offset = (long) i * BLOCK_BYTES;
                    block.clear().limit(blockLength(i));
                    while (block.hasRemaining()) {
                        if (channel.read(block) < 0) {
                            throw new EOFException("the file ends at byte " + (offset + block.position()) + ", but "
                                    + settings.fileBytes() + " bytes were written");
                        }
                    }
                    block.flip();
                    expected.clear().limit(block.limit());
                    pattern.stamp(expected, LARGE_FILE, offset);
                    DataPattern.check(block, expected, offset);
                };
            }, progress);
            return new IoPhaseResult(timing, settings.fileBytes(), "blocks",
                    String.format("%s in %d blocks, %.2f s", BenchReport.bytes(settings.fileBytes()), blocks(),
                            timing.elapsedNanos() / 1e9),
                    cache);
        }
    }

    private IoPhaseResult randomReads(Path file, CacheState cache) throws IOException, InterruptedException {
        long pages = settings.fileBytes() / PAGE_BYTES;
        long[] offsets = new SplittableRandom(settings.seed()).longs(settings.randomReads(), 0, pages)
                .map(page -> page * PAGE_BYTES).toArray();
        try (FileChannel channel = FileChannel.open(file, READ)) {
            PhaseResult timing = PhaseRunner.run("rand-read", offsets.length, 1, "reads",
                    i -> file + " at byte " + offsets[i], () -> {
                        ByteBuffer page = ByteBuffer.allocateDirect(PAGE_BYTES);
                        ByteBuffer expected = ByteBuffer.allocateDirect(PAGE_BYTES);
                        return i -> {
                            long offset = offsets[i];
                            page.clear();
                            while (page.hasRemaining()) {
                                if (channel.read(page, offset + page.position()) < 0) {
                                    throw new EOFException("the file ends at byte " + (offset + page.position())
                                            + ", but " + settings.fileBytes() + " bytes were written");
                                }
                            }
                            page.flip();
                            expected.clear();
                            pattern.fill(expected, LARGE_FILE, offset);
                            DataPattern.check(page, expected, offset);
                        };
                    }, progress);
            return new IoPhaseResult(timing, (long) offsets.length * PAGE_BYTES, "reads",
                    String.format("%d reads of 4 KiB, %.2f s", offsets.length, timing.elapsedNanos() / 1e9), cache);
        }
    }

    private IoPhaseResult smallWrites(Path small) throws IOException, InterruptedException {
        int size = settings.smallFileBytes();
        PhaseResult timing = PhaseRunner.run("small-write", settings.smallFilesWritten(), 1, "files",
                i -> small.resolve(MetaBench.fileName(i)), () -> {
                    ByteBuffer data = ByteBuffer.allocateDirect(size);
                    pattern.fill(data, 1, 0);
                    return i -> {
                        data.clear();
                        pattern.stamp(data, i + 1, 0);
                        try (FileChannel channel = FileChannel.open(small.resolve(MetaBench.fileName(i)), CREATE_NEW,
                                WRITE)) {
                            while (data.hasRemaining()) {
                                channel.write(data);
                            }
                        }
                    };
                }, progress);
        return new IoPhaseResult(timing, (long) settings.smallFilesWritten() * size, "files",
                smallDetail(settings.smallFilesWritten(), timing, 1), null);
    }

    /** Reads set {@code set} of the small files (the files from {@code set * smallFiles} on). */
    private IoPhaseResult smallReads(Path small, int set, CacheState cache)
            throws IOException, InterruptedException {
        int size = settings.smallFileBytes();
        int threads = settings.readThreads().get(set);
        int first = set * settings.smallFiles();
        PhaseResult timing = PhaseRunner.run("small-read-" + threads + "t", settings.smallFiles(), threads, "files",
                n -> small.resolve(MetaBench.fileName(first + n)), () -> {
                    // One byte more than the file should hold, to see the end of the file where it should be.
                    ByteBuffer data = ByteBuffer.allocateDirect(size + 1);
                    ByteBuffer expected = ByteBuffer.allocateDirect(size);
                    pattern.fill(expected, 1, 0);
                    return n -> {
                        int i = first + n;
                        data.clear();
                        try (FileChannel channel = FileChannel.open(small.resolve(MetaBench.fileName(i)), READ)) {
                            while (data.hasRemaining() && channel.read(data) >= 0) {
                                // Until the end of the file.
                            }
                        }
                        if (data.position() != size) {
                            throw new DataMismatchException((data.position() > size ? "more than " + size
                                    : data.position()) + " bytes read back, but " + size + " were written");
                        }
                        data.flip();
                        expected.clear();
                        pattern.stamp(expected, i + 1, 0);
                        DataPattern.check(data, expected, 0);
                    };
                }, progress);
        return new IoPhaseResult(timing, (long) settings.smallFiles() * size, "files",
                smallDetail(settings.smallFiles(), timing, threads), cache);
    }

    private String smallDetail(int files, PhaseResult timing, int threads) {
        return String.format("%d files of %s, %d thread%s, %.2f s", files,
                BenchReport.bytes(settings.smallFileBytes()), threads, threads == 1 ? "" : "s",
                timing.elapsedNanos() / 1e9);
    }

    private static String atByte(Path file, int block) {
        return file + " at byte " + (long) block * BLOCK_BYTES;
    }

    /** Removes everything the run made, as far as it can; says on stderr what it could not. */
    private void cleanUp(Path dir, Path file, Path small) {
        progress.println("removing " + dir);
        removeQuietly(file);
        if (Files.isDirectory(small)) {
            for (int i = 0; i < settings.smallFilesWritten(); i++) {
                removeQuietly(small.resolve(MetaBench.fileName(i)));
            }
            removeQuietly(small);
        }
        try {
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            progress.println("mnemo: " + dir + ": cannot remove the benchmark directory: " + PhaseRunner.describe(e));
        }
    }

    private static void removeQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // Best effort: removing the directory at the end reports what is left.
        }
    }
}
