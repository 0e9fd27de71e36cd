package io.mnemo.tools.bench;

import io.mnemo.tools.bench.CacheDropper.CacheState;
import java.io.PrintStream;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/** Prints benchmark results as aligned text: one line per phase, and ratios against a baseline. */
public final class BenchReport {
    private static final String[] UNITS = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

    private BenchReport() {}

    public static void print(PrintStream out, String label, MetaBench.Result result, int threads) {
        out.printf("%s: %s, %d thread%s; stats %s%n", label, result.directory().getParent(), threads,
                threads == 1 ? "" : "s", result.statCaches());
        for (PhaseResult p : result.phases()) {
            out.printf("  %-7s %9.0f ops/s   p50 %8.1f us   p99 %8.1f us   mean %8.1f us   (%d ops in %.2f s)%n",
                    p.phase(), p.opsPerSecond(), p.p50Micros(), p.p99Micros(), p.meanMicros(), p.operations(),
                    p.elapsedNanos() / 1e9);
        }
    }

    /** One line per phase: the target's rate as a fraction of the baseline's, and the p50 latencies' ratio. */
    public static void printRatios(PrintStream out, MetaBench.Result target, MetaBench.Result baseline) {
        out.printf("ratio (%s / %s):%n", target.directory().getParent(), baseline.directory().getParent());
        List<PhaseResult> a = target.phases();
        List<PhaseResult> b = baseline.phases();
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            PhaseResult x = a.get(i);
            PhaseResult y = b.get(i);
            out.printf("  %-7s %6.2fx the baseline's ops/s   p50 latency %6.2fx%n", x.phase(),
                    x.opsPerSecond() / y.opsPerSecond(), x.p50Micros() / y.p50Micros());
        }
    }

    /**
     * The I/O benchmark's phases: MB/s, operations per second and the latency of one operation
     * (a 1 MiB block, a 4 KiB read, a whole small file), and whether each read phase ran cold.
     */
    public static void print(PrintStream out, String label, IoBench.Result result) {
        IoBench.Settings s = result.settings();
        out.printf("%s: %s: a %s file in 1 MiB blocks, %d random 4 KiB reads, %d files of %s%n", label,
                result.directory().getParent(), bytes(s.fileBytes()), s.randomReads(), s.smallFiles(),
                bytes(s.smallFileBytes()));
        Set<String> caches = new LinkedHashSet<>();
        result.phases().stream().map(IoPhaseResult::caches).filter(Objects::nonNull)
                .map(c -> c.cold() ? "reads cold: " + c.how()
                        : "reads WARM: " + c.how() + "; run as root for cold reads")
                .forEach(caches::add);
        caches.forEach(c -> out.println("  " + c));
        out.printf("  %-13s %8s %15s %12s %12s%n", "phase", "MB/s", "rate", "p50", "p99");
        for (IoPhaseResult p : result.phases()) {
            PhaseResult t = p.timing();
            out.printf("  %-13s %8.1f %8.0f %-6s %9.1f us %9.1f us   %s%s%n", t.phase(), p.megabytesPerSecond(),
                    t.opsPerSecond(), p.unit() + "/s", t.p50Micros(), t.p99Micros(), p.detail(), coldness(p.caches()));
        }
    }

    private static String coldness(CacheState caches) {
        return caches == null ? "" : caches.cold() ? ", cold" : ", warm";
    }

    /** One line per phase: the target's MB/s as a fraction of the baseline's, and the p50 latencies' ratio. */
    public static void printRatios(PrintStream out, IoBench.Result target, IoBench.Result baseline) {
        out.printf("ratio (%s / %s):%n", target.directory().getParent(), baseline.directory().getParent());
        List<IoPhaseResult> a = target.phases();
        List<IoPhaseResult> b = baseline.phases();
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            IoPhaseResult x = a.get(i);
            IoPhaseResult y = b.get(i);
            out.printf("  %-13s %6.2fx the baseline's MB/s   p50 latency %6.2fx%n", x.timing().phase(),
                    x.megabytesPerSecond() / y.megabytesPerSecond(), x.timing().p50Micros() / y.timing().p50Micros());
        }
    }

    /** A size in binary units: "1 GiB", "64 KiB", "1.5 MiB", "100 bytes". */
    public static String bytes(long n) {
        if (n < 1024) {
            return n + (n == 1 ? " byte" : " bytes");
        }
        int unit = 0;
        double v = n;
        while (v >= 1024 && unit < UNITS.length - 1) {
            v /= 1024;
            unit++;
        }
        return v == Math.rint(v) ? String.format("%d %s", (long) v, UNITS[unit])
                : String.format("%.1f %s", v, UNITS[unit]);
    }
}
