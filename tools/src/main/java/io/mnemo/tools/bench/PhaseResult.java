package io.mnemo.tools.bench;

import org.HdrHistogram.Histogram;

/**
 * One timed phase of a benchmark: how many operations ran, how long the phase took from the first
 * to the last, and the latency of each operation.
 */
public record PhaseResult(String phase, long operations, long elapsedNanos, Histogram latencyNanos) {
    public double opsPerSecond() {
        return elapsedNanos == 0 ? 0 : operations * 1e9 / elapsedNanos;
    }

    public double p50Micros() {
        return latencyNanos.getValueAtPercentile(50) / 1e3;
    }

    public double p99Micros() {
        return latencyNanos.getValueAtPercentile(99) / 1e3;
    }

    public double meanMicros() {
        return latencyNanos.getMean() / 1e3;
    }
}
