package io.mnemo.meta.raft;

import io.mnemo.core.proto.MetaCommand;
import io.mnemo.core.proto.MetaResponse;
import java.io.Closeable;
import java.util.concurrent.CompletableFuture;

/**
 * Replicates a command and answers the result of applying it. The future fails with an
 * {@link io.mnemo.core.error.FsException} (EAGAIN: not the leader; EIO: replication failed)
 * when the command's outcome is unknown; a POSIX failure of the command itself is a response
 * with an errno.
 *
 * <p>An answer may come before the command is on disk (see {@link RaftSettings#logFlushDelay()}):
 * {@link #sync()} is the durability barrier that {@code fsync} and {@code fsyncdir} wait for.
 */
public interface Proposer extends Closeable {
    CompletableFuture<MetaResponse> propose(MetaCommand command);

    /**
     * Completes once every command answered before the call is durable, i.e. survives a power
     * cut. Fails with an {@link io.mnemo.core.error.FsException} (EIO) if the log cannot be synced.
     * The default suits proposers whose answers are durable already.
     */
    default CompletableFuture<Void> sync() {
        return CompletableFuture.completedFuture(null);
    }

    /** Whether a command was answered that is not durable yet: what {@link #sync()} would wait for. */
    default boolean hasUnsynced() {
        return false;
    }
}
