package io.mnemo.meta;

import io.mnemo.core.model.Layout;
import io.mnemo.core.net.ClusterSecret;
import io.mnemo.meta.ops.OpRunner;
import io.mnemo.meta.raft.RaftSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How a metadata server runs.
 *
 * @param dir all state: {@code db/} (RocksDB), {@code raft/} (Ratis log and snapshots, with {@link Log#RAFT}),
 *     {@code LOCK}
 * @param host address both endpoints bind to (loopback unless told otherwise)
 * @param port metadata RPC port; 0 picks a free one (see {@link MetaServer#address()})
 * @param raftPort Raft (gRPC) port, with {@link Log#RAFT}; 0 picks a free one
 * @param secret the cluster secret every connection proves
 * @param defaultChunkSizeBytes chunk size of new files: a power of two from 64 KiB to 64 MiB
 * @param defaultStripeCount chains a new file stripes over; 0 means every chain
 * @param nodeLease how long a data node counts as alive after its last heartbeat, and a client session
 *     (with the files it holds open) after its last renewal
 * @param gcInterval pause between rounds of deleting orphaned chunks
 * @param snapshotEveryEntries Raft entries between snapshots (which let the log be purged), with {@link Log#RAFT}
 * @param inlineThresholdBytes the largest file kept inline (whole, in the metadata store) rather than in
 *     chunks, from 0 (no file is inline) to {@value #MAX_INLINE_THRESHOLD_BYTES}. Applying commands
 *     depends on it (whether a new file starts inline; EFBIG past it), so every replica of a group must
 *     run with the same value, and a changed value should be rolled out by a clean restart: a store
 *     flushed on close replays nothing under the new value
 * @param logFlushDelay how long an answered change may wait for its log's sync: a power cut loses at
 *     most about that much of what nobody fsynced ({@code fsync} and {@code fsyncdir} wait for the sync,
 *     see {@link io.mnemo.meta.raft.Proposer#sync()}); zero answers a change only once it is synced
 * @param log where changes are logged before they are answered (see {@link Log})
 */
public record MetaConfig(
        Path dir,
        String host,
        int port,
        int raftPort,
        ClusterSecret secret,
        int defaultChunkSizeBytes,
        int defaultStripeCount,
        Duration nodeLease,
        Duration gcInterval,
        long snapshotEveryEntries,
        int inlineThresholdBytes,
        Duration logFlushDelay,
        Log log) {

    /** Where a metadata server logs changes. */
    public enum Log {
        /**
         * RocksDB's own write-ahead log ({@link io.mnemo.meta.raft.LocalLog}): for a group of one
         * replica, as {@code mnemo up} runs. The default.
         */
        LOCAL,
        /** A Ratis log ({@link io.mnemo.meta.raft.MetaRaft}), the one that can replicate: in {@code dir/raft}. */
        RAFT
    }

    public static final String LOOPBACK = "127.0.0.1";
    public static final Duration DEFAULT_NODE_LEASE = Duration.ofSeconds(5);
    public static final Duration DEFAULT_GC_INTERVAL = Duration.ofSeconds(1);
    public static final long DEFAULT_SNAPSHOT_EVERY_ENTRIES = 100_000;
    /** 64 KiB: what the client keeps inline too. */
    public static final int DEFAULT_INLINE_THRESHOLD_BYTES = OpRunner.DEFAULT_INLINE_THRESHOLD_BYTES;
    /** Inline bytes travel whole in one Raft entry and one reply, and sit in one RocksDB value. */
    public static final int MAX_INLINE_THRESHOLD_BYTES = 1 << 20;
    /** A few milliseconds, as a local file system's journal risks. */
    public static final Duration DEFAULT_LOG_FLUSH_DELAY = RaftSettings.DEFAULT_LOG_FLUSH_DELAY;

    public MetaConfig {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(secret, "secret");
        Objects.requireNonNull(nodeLease, "nodeLease");
        Objects.requireNonNull(gcInterval, "gcInterval");
        Objects.requireNonNull(logFlushDelay, "logFlushDelay");
        Objects.requireNonNull(log, "log");
        if (port < 0 || port > 0xFFFF || raftPort < 0 || raftPort > 0xFFFF) {
            throw new IllegalArgumentException("ports must be 0..65535: " + port + ", " + raftPort);
        }
        if (defaultChunkSizeBytes < Layout.MIN_CHUNK_SIZE || defaultChunkSizeBytes > Layout.MAX_CHUNK_SIZE
                || Integer.bitCount(defaultChunkSizeBytes) != 1) {
            throw new IllegalArgumentException("chunk size must be a power of two from 64K to 64M: "
                    + defaultChunkSizeBytes);
        }
        if (defaultStripeCount < 0) {
            throw new IllegalArgumentException("stripe count must be >= 0 (0: all chains): " + defaultStripeCount);
        }
        if (nodeLease.isNegative() || nodeLease.isZero() || gcInterval.isNegative() || gcInterval.isZero()) {
            throw new IllegalArgumentException("node lease and gc interval must be positive");
        }
        if (snapshotEveryEntries < 1) {
            throw new IllegalArgumentException("snapshotEveryEntries must be positive");
        }
        if (inlineThresholdBytes < 0 || inlineThresholdBytes > MAX_INLINE_THRESHOLD_BYTES) {
            throw new IllegalArgumentException("inline threshold must be 0 (off) to " + MAX_INLINE_THRESHOLD_BYTES
                    + " bytes: " + inlineThresholdBytes);
        }
        if (logFlushDelay.isNegative()) {
            throw new IllegalArgumentException("logFlushDelay must not be negative: " + logFlushDelay);
        }
    }

    /** The configuration with the {@link #DEFAULT_LOG_FLUSH_DELAY}. */
    public MetaConfig(Path dir, String host, int port, int raftPort, ClusterSecret secret, int defaultChunkSizeBytes,
            int defaultStripeCount, Duration nodeLease, Duration gcInterval, long snapshotEveryEntries,
            int inlineThresholdBytes) {
        this(dir, host, port, raftPort, secret, defaultChunkSizeBytes, defaultStripeCount, nodeLease, gcInterval,
                snapshotEveryEntries, inlineThresholdBytes, DEFAULT_LOG_FLUSH_DELAY, Log.LOCAL);
    }

    /** The configuration with the {@link #DEFAULT_INLINE_THRESHOLD_BYTES} and {@link #DEFAULT_LOG_FLUSH_DELAY}. */
    public MetaConfig(Path dir, String host, int port, int raftPort, ClusterSecret secret, int defaultChunkSizeBytes,
            int defaultStripeCount, Duration nodeLease, Duration gcInterval, long snapshotEveryEntries) {
        this(dir, host, port, raftPort, secret, defaultChunkSizeBytes, defaultStripeCount, nodeLease, gcInterval,
                snapshotEveryEntries, DEFAULT_INLINE_THRESHOLD_BYTES);
    }

    /**
     * Loopback, free ports, 4 MiB chunks over every chain, 5 s leases, a GC round every second, files
     * up to 64 KiB inline, the log (RocksDB's own) synced at most 5 ms behind the answers.
     */
    public static MetaConfig defaults(Path dir, ClusterSecret secret) {
        return new MetaConfig(dir, LOOPBACK, 0, 0, secret, Layout.DEFAULT_CHUNK_SIZE, 0, DEFAULT_NODE_LEASE,
                DEFAULT_GC_INTERVAL, DEFAULT_SNAPSHOT_EVERY_ENTRIES);
    }

    public MetaConfig withPorts(int newPort, int newRaftPort) {
        return new MetaConfig(dir, host, newPort, newRaftPort, secret, defaultChunkSizeBytes, defaultStripeCount,
                nodeLease, gcInterval, snapshotEveryEntries, inlineThresholdBytes, logFlushDelay, log);
    }

    public MetaConfig withLayout(int chunkSizeBytes, int stripeCount) {
        return new MetaConfig(dir, host, port, raftPort, secret, chunkSizeBytes, stripeCount, nodeLease, gcInterval,
                snapshotEveryEntries, inlineThresholdBytes, logFlushDelay, log);
    }

    public MetaConfig withNodeLease(Duration lease) {
        return new MetaConfig(dir, host, port, raftPort, secret, defaultChunkSizeBytes, defaultStripeCount, lease,
                gcInterval, snapshotEveryEntries, inlineThresholdBytes, logFlushDelay, log);
    }

    public MetaConfig withGcInterval(Duration interval) {
        return new MetaConfig(dir, host, port, raftPort, secret, defaultChunkSizeBytes, defaultStripeCount, nodeLease,
                interval, snapshotEveryEntries, inlineThresholdBytes, logFlushDelay, log);
    }

    public MetaConfig withSnapshotEveryEntries(long entries) {
        return new MetaConfig(dir, host, port, raftPort, secret, defaultChunkSizeBytes, defaultStripeCount, nodeLease,
                gcInterval, entries, inlineThresholdBytes, logFlushDelay, log);
    }

    /** This configuration keeping files up to {@code bytes} inline; 0 keeps none. */
    public MetaConfig withInlineThreshold(int bytes) {
        return new MetaConfig(dir, host, port, raftPort, secret, defaultChunkSizeBytes, defaultStripeCount, nodeLease,
                gcInterval, snapshotEveryEntries, bytes, logFlushDelay, log);
    }

    /** This configuration with the log synced at most {@code delay} behind the answers; zero syncs before each. */
    public MetaConfig withLogFlushDelay(Duration delay) {
        return new MetaConfig(dir, host, port, raftPort, secret, defaultChunkSizeBytes, defaultStripeCount, nodeLease,
                gcInterval, snapshotEveryEntries, inlineThresholdBytes, delay, log);
    }

    /** This configuration logging changes in {@code newLog}. */
    public MetaConfig withLog(Log newLog) {
        return new MetaConfig(dir, host, port, raftPort, secret, defaultChunkSizeBytes, defaultStripeCount, nodeLease,
                gcInterval, snapshotEveryEntries, inlineThresholdBytes, logFlushDelay, newLog);
    }
}
