package io.mnemo.tools.bench;

import java.io.PrintStream;
import java.util.List;

/** Prints benchmark results as aligned text: one line per phase, and ratios against a baseline. */
public final class BenchReport {
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
}
