package io.mnemo.tools.bench;

import io.mnemo.tools.bench.CacheDropper.CacheState;

/**
 * One phase of the I/O benchmark: its timing, the bytes it moved, and, for a read phase, whether
 * it ran with cold caches.
 *
 * @param unit what one timed operation is, plural ("blocks", "reads", "files")
 * @param detail how the operations were made up, for the report ("20000 files of 64 KiB, 4 threads")
 * @param caches how the caches were before a read phase; null for a write phase
 */
public record IoPhaseResult(PhaseResult timing, long bytes, String unit, String detail, CacheState caches) {
    /** Megabytes (10^6 bytes) per second. */
    public double megabytesPerSecond() {
        return timing.elapsedNanos() == 0 ? 0 : bytes * 1e3 / timing.elapsedNanos();
    }
}
