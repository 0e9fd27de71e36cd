package io.mnemo.meta.ops;

import static io.mnemo.meta.ops.Fixture.ROOT;
import static io.mnemo.meta.ops.Fixture.assertErrno;
import static io.mnemo.meta.ops.Fixture.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mnemo.core.error.Errno;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.proto.AttrMsg;
import io.mnemo.core.proto.MetaCommand;
import io.mnemo.core.proto.PurgeOrphanReq;
import io.mnemo.core.proto.SetattrReq;
import io.mnemo.meta.store.Keys;
import io.mnemo.meta.store.Schema;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PurgeOrphanOpTest {
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

    @Test
    void purge_forgetsTheNamedOrphansOnly_andIgnoresOthers() {
        AttrMsg a = ns.file(ROOT, "a");
        AttrMsg b = ns.file(ROOT, "b");
        ok(ns.unlink(ROOT, "a"));
        ok(ns.unlink(ROOT, "b"));
        ok(ns.apply(MetaCommand.newBuilder().setPurgeOrphan(PurgeOrphanReq.newBuilder()
                .addInodes(a.getInode()).addInodes(999).addInodes(0))));
        assertTrue(ns.store.get(Schema.ORPHAN, new InodeId(a.getInode())).isEmpty());
        assertTrue(ns.store.get(Schema.ORPHAN, new InodeId(b.getInode())).isPresent());
        ok(ns.apply(MetaCommand.newBuilder().setPurgeOrphan(PurgeOrphanReq.newBuilder().addInodes(a.getInode()))));
    }

    @Test
    void purge_deletesTheUnnamedInode_withItsXattrs_andUncountsIt() throws Exception {
        AttrMsg a = ns.file(ROOT, "a");
        ok(ns.setxattr(a.getInode(), "user.k", "v", 0));
        ok(ns.unlink(ROOT, "a"));
        InodeId id = new InodeId(a.getInode());
        assertEquals(2, ns.store.get(Schema.INODE_COUNT).orElseThrow());
        ok(ns.apply(MetaCommand.newBuilder().setPurgeOrphan(PurgeOrphanReq.newBuilder().addInodes(a.getInode()))));
        assertTrue(ns.store.get(Schema.INODE, id).isEmpty());
        assertTrue(ns.store.get(Schema.ORPHAN, id).isEmpty());
        assertTrue(ns.store.scan(Schema.XATTR, Keys.xattrStart(id), Keys.xattrEnd(id), 10).isEmpty());
        assertEquals(1, ns.store.get(Schema.INODE_COUNT).orElseThrow());
        assertErrno(Errno.ENOENT, ns.setattr(SetattrReq.newBuilder().setInode(a.getInode()).setHasSize(true)));
    }
}
