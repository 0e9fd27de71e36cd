package io.mnemo.meta.raft;

import io.mnemo.core.proto.MetaCommand;
import io.mnemo.core.proto.MetaResponse;
import java.util.concurrent.CompletableFuture;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;

/**
 * A command proposed in-process, as the message of its Raft request: its bytes are the log
 * entry's data, and the state machine, which finds it again in the transaction it starts for the
 * request, completes {@link #answer()} as soon as it has applied the command (see
 * {@link MetaStateMachine}), before the entry commits.
 */
final class Proposal implements Message {
    private final MetaCommand command;
    private final ByteString bytes;
    private final CompletableFuture<MetaResponse> answer = new CompletableFuture<>();

    Proposal(MetaCommand command, byte[] serialized) {
        this.command = command;
        this.bytes = UnsafeByteOperations.unsafeWrap(serialized);
    }

    MetaCommand command() {
        return command;
    }

    CompletableFuture<MetaResponse> answer() {
        return answer;
    }

    @Override
    public ByteString getContent() {
        return bytes;
    }

    @Override
    public String toString() {
        return "Proposal[" + command.getOpCase() + ", " + bytes.size() + " bytes]";
    }
}
