package io.mnemo.tools.cmd;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.tools.bench.BenchReport;
import io.mnemo.tools.bench.MetaBench;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code mnemo bench}: benchmarks that run on any directory, a Mnemo mount or a local disk. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure a file system through its mount.",
                "Run 'mnemo bench meta --help' for the metadata benchmark."},
        subcommands = {BenchCommand.Meta.class})
public final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(System.err);
        return 2;
    }

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

        private static void requireWritableDirectory(Path dir) throws FsException {
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
}
