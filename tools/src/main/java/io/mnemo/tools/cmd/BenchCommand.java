package io.mnemo.tools.cmd;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.tools.bench.BenchReport;
import io.mnemo.tools.bench.CacheDropper;
import io.mnemo.tools.bench.IoBench;
import io.mnemo.tools.bench.MetaBench;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code mnemo bench}: benchmarks that run on any directory, a Mnemo mount or a local disk. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure a file system through its mount.",
                "Run 'mnemo bench meta --help' for the metadata benchmark,",
                "'mnemo bench io --help' for the data benchmark."},
        subcommands = {BenchCommand.Meta.class, BenchCommand.Io.class})
public final class BenchCommand {

    /** {@code mnemo bench meta}: create, stat and unlink many files in one directory. */
    @Command(name = "meta", mixinStandardHelpOptions = true,
            description = {"Create N empty files in one new directory under DIR, stat them,",
                    "then unlink them; print operations per second and latency (p50, p99)",
                    "per phase. Progress goes to stderr. The stats are cold when the",
                    "kernel's dentry and inode caches can be dropped (as root); the report",
                    "says whether they were. Works on any directory: --baseline DIR2 runs",
                    "the same on, say, a local disk and prints how DIR compares."})
    static final class Meta implements Callable<Integer> {
        private static final int MAX_THREADS = 1024;

        @Parameters(paramLabel = "DIR", description = "Where to benchmark (an existing, writable directory).")
        Path dir;

        @Option(names = "--threads", defaultValue = "1", paramLabel = "N",
                description = "Threads sharing the work (default: ${DEFAULT-VALUE}).")
        int threads;

        @Option(names = "--files", defaultValue = "20000", paramLabel = "N",
                description = "Files to create, stat and unlink (default: ${DEFAULT-VALUE}).")
        int files;

        @Option(names = "--baseline", paramLabel = "DIR2",
                description = "Run the same on DIR2 afterwards and print DIR's rates relative to it.")
        Path baseline;

        @Override
        public Integer call() throws Exception {
            if (threads < 1 || threads > MAX_THREADS) {
                throw new FsException(Errno.EINVAL, "--threads: must be between 1 and " + MAX_THREADS + ", got " + threads);
            }
            if (files < 1) {
                throw new FsException(Errno.EINVAL, "--files: must be at least 1, got " + files);
            }
            requireWritableDirectory(dir);
            if (baseline != null) {
                requireWritableDirectory(baseline);
            }
            MetaBench.Result result = new MetaBench(dir, threads, files, System.err).run();
            BenchReport.print(System.out, "mnemo bench meta", result, threads);
            if (baseline != null) {
                MetaBench.Result base = new MetaBench(baseline, threads, files, System.err).run();
                BenchReport.print(System.out, "baseline", base, threads);
                BenchReport.printRatios(System.out, result, base);
            }
            return 0;
        }
    }

    /** {@code mnemo bench io}: large-file and small-file throughput, with data checked on the way back. */
    @Command(name = "io", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Measure data throughput in a new directory under DIR, in phases:",
                    "  seq-write      write one file (--size) in 1 MiB blocks, then fsync it;",
                    "                 the time includes the fsync",
                    "  seq-read       read it back in 1 MiB blocks",
                    "  rand-read      --reads reads of 4 KiB at random 4 KiB-aligned offsets in it",
                    "                 (seeded by --seed), one at a time",
                    "  small-write    write --small-files files of --small-size each for every N",
                    "                 in --threads, one thread",
                    "  small-read-Nt  read --small-files of them with N threads, once for each N;",
                    "                 each phase reads files no phase has read before",
                    "Each phase prints MB/s (10^6 bytes a second), operations a second, and the",
                    "p50 and p99 latency of one operation: a 1 MiB write or read call, a 4 KiB",
                    "read, or a whole small file (create, write, close / open, read, close).",
                    "Before every read phase the caches are made cold: 'sync', then",
                    "/proc/sys/vm/drop_caches (needs root; the report says whether it worked).",
                    "Every byte read back is checked against what was written (a seeded pattern",
                    "stamped with the file and offset every 4 KiB), and a mismatch stops the run;",
                    "the check is included in the times (tens of microseconds per MiB).",
                    "Progress goes to stderr. The directory is removed at the end, also when a",
                    "phase fails. --baseline DIR2 runs the same on DIR2 (say, a local disk)",
                    "afterwards and prints DIR's figures as a ratio of DIR2's."})
    static final class Io implements Callable<Integer> {
        private static final long MAX_SMALL_FILE_BYTES = 16 << 20;
        private static final int MAX_THREADS = 64;
        private static final int MAX_COUNT = 10_000_000;

        @Spec
        CommandSpec spec;

        @Parameters(paramLabel = "DIR", description = "Where to benchmark (an existing, writable directory).")
        Path dir;

        @Option(names = "--size", defaultValue = "1G", paramLabel = "SIZE", converter = ByteSizeConverter.class,
                description = {"Size of the large file, at least 4K (default: ${DEFAULT-VALUE}).",
                        "Sizes are bytes with an optional K, M, G or T suffix (powers of 1024)."})
        long sizeBytes;

        @Option(names = "--reads", defaultValue = "20000", paramLabel = "N",
                description = "Random 4 KiB reads of the large file (default: ${DEFAULT-VALUE}).")
        int reads;

        @Option(names = "--small-files", defaultValue = "20000", paramLabel = "N",
                description = "How many small files each read phase reads (default: ${DEFAULT-VALUE}).")
        int smallFiles;

        @Option(names = "--small-size", defaultValue = "64K", paramLabel = "SIZE", converter = ByteSizeConverter.class,
                description = "Size of each small file, at most 16M (default: ${DEFAULT-VALUE}).")
        long smallFileBytes;

        @Option(names = "--threads", defaultValue = "1,4", split = ",", paramLabel = "N",
                description = "Read the small files back once with each of these thread counts,"
                        + " up to " + MAX_THREADS + " (default: ${DEFAULT-VALUE}).")
        List<Integer> threads;

        @Option(names = "--seed", defaultValue = "1", paramLabel = "N",
                description = "Seed of the data and the random offsets (default: ${DEFAULT-VALUE}).")
        long seed;

        @Option(names = "--baseline", paramLabel = "DIR2",
                description = "Run the same on DIR2 afterwards and print DIR's figures relative to it.")
        Path baseline;

        @Override
        public Integer call() throws Exception {
            IoBench.Settings settings = settings();
            requireRoomFor(dir, settings);
            if (baseline != null) {
                requireRoomFor(baseline, settings);
            }
            IoBench.Result result = new IoBench(dir, settings, CacheDropper.pagesDentriesAndInodes(), System.err).run();
            BenchReport.print(System.out, "mnemo bench io", result);
            if (baseline != null) {
                System.out.flush();
                IoBench.Result base =
                        new IoBench(baseline, settings, CacheDropper.pagesDentriesAndInodes(), System.err).run();
                BenchReport.print(System.out, "baseline", base);
                BenchReport.printRatios(System.out, result, base);
            }
            return 0;
        }

        private IoBench.Settings settings() {
            if (sizeBytes < IoBench.PAGE_BYTES) {
                throw usage("--size: must be at least 4K, got " + sizeBytes);
            }
            requireCount("--reads", reads);
            requireCount("--small-files", smallFiles);
            if (smallFileBytes < 1 || smallFileBytes > MAX_SMALL_FILE_BYTES) {
                throw usage("--small-size: must be between 1 and 16M, got " + smallFileBytes);
            }
            for (int t : threads) {
                if (t < 1 || t > MAX_THREADS) {
                    throw usage("--threads: each must be between 1 and " + MAX_THREADS + ", got " + t);
                }
            }
            if ((long) smallFiles * threads.size() > MAX_COUNT) {
                throw usage("--small-files times the number of --threads (a set of files for each) must be at most "
                        + MAX_COUNT);
            }
            return new IoBench.Settings(sizeBytes, reads, smallFiles, (int) smallFileBytes, threads, seed);
        }

        private void requireCount(String option, int n) {
            if (n < 1 || n > MAX_COUNT) {
                throw usage(option + ": must be between 1 and " + MAX_COUNT + ", got " + n);
            }
        }

        private ParameterException usage(String message) {
            return new ParameterException(spec.commandLine(), message);
        }

        /** Fails before anything is written if the directory cannot take the whole run. */
        private static void requireRoomFor(Path dir, IoBench.Settings settings) throws IOException {
            requireWritableDirectory(dir);
            long free = Files.getFileStore(dir).getUsableSpace();
            if (free < settings.totalBytes()) {
                throw new FsException(Errno.ENOSPC, dir + ": the benchmark writes "
                        + BenchReport.bytes(settings.totalBytes()) + ", but only " + BenchReport.bytes(free)
                        + " is free; give a smaller --size or --small-files");
            }
        }
    }

    static void requireWritableDirectory(Path dir) throws FsException {
        if (!Files.exists(dir)) {
            throw new FsException(Errno.ENOENT, dir + ": no such directory");
        }
        if (!Files.isDirectory(dir)) {
            throw new FsException(Errno.ENOTDIR, dir + ": not a directory");
        }
        if (!Files.isWritable(dir)) {
            throw new FsException(Errno.EACCES, dir + ": not writable");
        }
    }
}
