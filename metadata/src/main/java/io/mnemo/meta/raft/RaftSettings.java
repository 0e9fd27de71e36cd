package io.mnemo.meta.raft;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How the metadata Raft peer runs.
 *
 * @param dir Ratis storage (log, metadata, snapshots)
 * @param host address the gRPC endpoint binds to
 * @param port gRPC port; 0 picks a free one
 * @param snapshotEveryEntries applied entries between automatic snapshots
 * @param leaderTimeout how long start waits for this peer to lead
 */
public record RaftSettings(Path dir, String host, int port, long snapshotEveryEntries, Duration leaderTimeout) {}
