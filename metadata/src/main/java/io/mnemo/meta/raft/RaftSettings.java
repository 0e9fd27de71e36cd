package io.mnemo.meta.raft;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How the metadata Raft peer runs.
 *
 * @param dir Ratis storage (log, metadata, snapshots)
 * @param host address the gRPC endpoint binds to
 * @param port gRPC port; 0 picks a free one
 * @param snapshotEveryEntries applied entries between automatic snapshots
 * @param leaderTimeout how long start waits for this peer to lead
 * @param logFlushDelay how long an answered command may wait for the log's fsync: a crash loses at most
 *     about this much of what nobody {@link MetaRaft#sync() synced}. Positive: commands are answered as
 *     soon as they are applied, the log syncs right behind (in well under the delay unless the disk
 *     stalls), and new commands wait when it falls further behind. Zero: answered once synced.
 */
public record RaftSettings(Path dir, String host, int port, long snapshotEveryEntries, Duration leaderTimeout,
        Duration logFlushDelay) {

    /** A few milliseconds: what a local file system's journal risks, without an fsync in each answer. */
    public static final Duration DEFAULT_LOG_FLUSH_DELAY = Duration.ofMillis(5);

    public RaftSettings {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(leaderTimeout, "leaderTimeout");
        Objects.requireNonNull(logFlushDelay, "logFlushDelay");
        if (logFlushDelay.isNegative()) {
            throw new IllegalArgumentException("logFlushDelay must not be negative: " + logFlushDelay);
        }
    }

    /** Settings with the {@link #DEFAULT_LOG_FLUSH_DELAY}. */
    public RaftSettings(Path dir, String host, int port, long snapshotEveryEntries, Duration leaderTimeout) {
        this(dir, host, port, snapshotEveryEntries, leaderTimeout, DEFAULT_LOG_FLUSH_DELAY);
    }

    /** Whether commands are answered before their log entry is synced (see {@link #logFlushDelay}). */
    boolean delaysLogFlush() {
        return !logFlushDelay.isZero();
    }
}
