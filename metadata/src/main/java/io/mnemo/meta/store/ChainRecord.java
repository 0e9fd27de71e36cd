package io.mnemo.meta.store;

import com.google.protobuf.InvalidProtocolBufferException;
import io.mnemo.core.proto.ChainMsg;
import java.util.List;

/** A replication chain: the data nodes holding its chunks, head first. */
public record ChainRecord(int chainId, List<Integer> nodeIds) {

    /** {@code [version 1][ChainMsg]}. */
    public static final Codec<ChainRecord> CODEC = new Codec<>() {
        @Override
        public byte[] encode(ChainRecord c) {
            return Keys.withVersion(ChainMsg.newBuilder().setChainId(c.chainId).addAllNodeIds(c.nodeIds).build()
                    .toByteArray());
        }

        @Override
        public ChainRecord decode(byte[] bytes) {
            try {
                ChainMsg m = ChainMsg.parseFrom(Keys.payload(bytes, "chain"));
                return new ChainRecord(m.getChainId(), m.getNodeIdsList());
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("corrupt chain record", e);
            }
        }
    };

    public ChainRecord {
        nodeIds = List.copyOf(nodeIds);
    }

    public ChainMsg toMsg() {
        return ChainMsg.newBuilder().setChainId(chainId).addAllNodeIds(nodeIds).build();
    }
}
