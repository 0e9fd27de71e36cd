package io.mnemo.meta.store;

import com.google.protobuf.InvalidProtocolBufferException;
import io.mnemo.core.proto.NodeMsg;

/** A registered data node: its id and where it listens. Usage and liveness are not persisted. */
public record NodeRecord(int nodeId, String host, int port) {

    /** {@code [version 1][NodeMsg with node_id, host, port]}. */
    public static final Codec<NodeRecord> CODEC = new Codec<>() {
        @Override
        public byte[] encode(NodeRecord n) {
            return Keys.withVersion(NodeMsg.newBuilder().setNodeId(n.nodeId).setHost(n.host).setPort(n.port).build()
                    .toByteArray());
        }

        @Override
        public NodeRecord decode(byte[] bytes) {
            try {
                NodeMsg m = NodeMsg.parseFrom(Keys.payload(bytes, "node"));
                return new NodeRecord(m.getNodeId(), m.getHost(), m.getPort());
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("corrupt node record", e);
            }
        }
    };

    public boolean hasAddress(String otherHost, int otherPort) {
        return host.equals(otherHost) && port == otherPort;
    }
}
