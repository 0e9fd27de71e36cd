package io.mnemo.meta.raft;

import io.mnemo.core.proto.MetaCommand;
import io.mnemo.core.proto.MetaResponse;
import java.util.concurrent.CompletableFuture;

/**
 * Replicates a command and answers the result of applying it. The future fails with an
 * {@link io.mnemo.core.error.FsException} (EAGAIN: not the leader; EIO: replication failed)
 * when the command's outcome is unknown; a POSIX failure of the command itself is a response
 * with an errno.
 */
@FunctionalInterface
public interface Proposer {
    CompletableFuture<MetaResponse> propose(MetaCommand command);
}
