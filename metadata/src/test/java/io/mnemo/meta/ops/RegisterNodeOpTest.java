package io.mnemo.meta.ops;

import static io.mnemo.meta.ops.Fixture.assertErrno;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mnemo.core.error.Errno;
import io.mnemo.core.proto.MetaCommand;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.core.proto.RegisterNodeReq;
import io.mnemo.meta.store.ChainRecord;
import io.mnemo.meta.store.NodeRecord;
import io.mnemo.meta.store.Schema;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegisterNodeOpTest {
    @TempDir
    Path dir;
    Fixture ns;

    @BeforeEach
    void format() throws Exception {
        ns = Fixture.format(dir);
    }

    @AfterEach
    void close() {
        ns.close();
    }

    private MetaResponse register(int id, String host, int port) {
        return ns.apply(MetaCommand.newBuilder().setRegisterNode(RegisterNodeReq.newBuilder().setNodeId(id)
                .setHost(host).setPort(port)));
    }

    private int idOf(MetaResponse r) {
        assertEquals(0, r.getErrno(), r.getMessage());
        return r.getRegisterNode().getNodeId();
    }

    private long version() {
        return ns.store.get(Schema.CHAIN_VERSION).orElse(0L);
    }

    @Test
    void newNodes_getConsecutiveIds_andAChainEach() {
        assertEquals(1, idOf(register(0, "10.0.0.1", 9000)));
        assertEquals(2, idOf(register(0, "10.0.0.2", 9000)));
        assertEquals(new NodeRecord(2, "10.0.0.2", 9000), ns.store.get(Schema.NODE, 2).orElseThrow());
        assertEquals(new ChainRecord(1, List.of(1)), ns.store.get(Schema.CHAIN, 1).orElseThrow());
        assertEquals(new ChainRecord(2, List.of(2)), ns.store.get(Schema.CHAIN, 2).orElseThrow());
        assertEquals(2, version());
        assertEquals(3, ns.store.get(Schema.NEXT_NODE).orElseThrow());
    }

    @Test
    void sameAddressWithoutId_getsItsIdBack_withoutChange() {
        assertEquals(1, idOf(register(0, "h", 1)));
        assertEquals(1, idOf(register(0, "h", 1)));
        assertEquals(1, version());
        assertTrue(ns.store.get(Schema.NODE, 2).isEmpty());
    }

    @Test
    void knownIdAtNewAddress_isUpdated_andBumpsTheVersion() {
        assertEquals(1, idOf(register(0, "h", 1)));
        assertEquals(1, idOf(register(1, "h2", 2)));
        assertEquals(new NodeRecord(1, "h2", 2), ns.store.get(Schema.NODE, 1).orElseThrow());
        assertEquals(new ChainRecord(1, List.of(1)), ns.store.get(Schema.CHAIN, 1).orElseThrow());
        assertEquals(2, version());
        assertEquals(1, idOf(register(1, "h2", 2)));
        assertEquals(2, version());
    }

    @Test
    void unknownId_isRegisteredAsGiven_andTheAllocatorSkipsPastIt() {
        assertEquals(7, idOf(register(7, "h", 1)));
        assertEquals(new ChainRecord(7, List.of(7)), ns.store.get(Schema.CHAIN, 7).orElseThrow());
        assertEquals(8, idOf(register(0, "other", 1)));
    }

    @Test
    void missingAddress_isEinval() {
        assertErrno(Errno.EINVAL, register(0, "", 1));
        assertErrno(Errno.EINVAL, register(0, "h", 0));
        assertErrno(Errno.EINVAL, register(0, "h", 70000));
        assertEquals(0, version());
    }
}
