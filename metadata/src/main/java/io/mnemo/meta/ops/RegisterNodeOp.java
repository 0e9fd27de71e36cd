package io.mnemo.meta.ops;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.proto.MetaCommand;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.core.proto.RegisterNodeReply;
import io.mnemo.core.proto.RegisterNodeReq;
import io.mnemo.meta.store.ChainRecord;
import io.mnemo.meta.store.Keys;
import io.mnemo.meta.store.NodeRecord;
import io.mnemo.meta.store.Row;
import io.mnemo.meta.store.Schema;
import io.mnemo.meta.store.Txn;
import java.util.List;

/**
 * Registers a data node, or records its new address. {@code node_id} 0 asks for an id: a node
 * already registered at the same host and port gets its id back, any other gets the next free
 * id together with a chain of the same id holding just that node (replication factor 1). A
 * node id the table does not know yet (the node kept its id across a reformat) is registered
 * as given. Every change to the node or chain table bumps the chain-table version.
 *
 * <p>Errors: EINVAL (no host or port).
 */
public final class RegisterNodeOp {
    /** More data nodes than a cluster has; bounds the scan for a known address. */
    static final int MAX_NODES = 1 << 16;

    private RegisterNodeOp() {}

    public static MetaResponse apply(Txn txn, MetaCommand cmd) throws FsException {
        RegisterNodeReq req = cmd.getRegisterNode();
        if (req.getHost().isEmpty() || req.getPort() == 0 || req.getPort() > 0xFFFF) {
            throw new FsException(Errno.EINVAL, "a data node registers with its host and port");
        }
        int port = req.getPort();
        int id = req.getNodeId();
        if (id == 0) {
            for (Row<Integer, NodeRecord> row : nodes(txn)) {
                if (row.value().hasAddress(req.getHost(), port)) {
                    return reply(row.key());
                }
            }
            id = txn.get(Schema.NEXT_NODE).orElse(1);
        }
        NodeRecord wanted = new NodeRecord(id, req.getHost(), port);
        var known = txn.get(Schema.NODE, id);
        if (known.isPresent() && known.get().equals(wanted)) {
            return reply(id);
        }
        txn.put(Schema.NODE, id, wanted);
        if (known.isEmpty()) {
            txn.put(Schema.CHAIN, id, new ChainRecord(id, List.of(id)));
        }
        if (id >= txn.get(Schema.NEXT_NODE).orElse(1)) {
            txn.put(Schema.NEXT_NODE, id + 1);
        }
        txn.put(Schema.CHAIN_VERSION, txn.get(Schema.CHAIN_VERSION).orElse(0L) + 1);
        return reply(id);
    }

    private static List<Row<Integer, NodeRecord>> nodes(Txn txn) {
        return txn.scan(Schema.NODE, Keys.u32Start(), Keys.u32End(), MAX_NODES);
    }

    private static MetaResponse reply(int nodeId) {
        return MetaResponse.newBuilder().setRegisterNode(RegisterNodeReply.newBuilder().setNodeId(nodeId)).build();
    }
}
