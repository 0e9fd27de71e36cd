package io.mnemo.meta.ops;

import static io.mnemo.meta.ops.Fixture.ROOT;
import static io.mnemo.meta.ops.Fixture.assertErrno;
import static io.mnemo.meta.ops.Fixture.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mnemo.core.error.Errno;
import io.mnemo.core.model.FileType;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.proto.AttrMsg;
import io.mnemo.core.proto.CreateReq;
import io.mnemo.core.proto.DirEntryMsg;
import io.mnemo.core.proto.ReaddirReq;
import io.mnemo.meta.store.Schema;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinkOpTest {
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
    void link_addsEntry_andLink_andSetsCtime() throws Exception {
        AttrMsg f = ns.file(ROOT, "f");
        AttrMsg d = ns.mkdir(ROOT, "d");
        AttrMsg linked = ok(ns.link(f.getInode(), d.getInode(), "g"));
        long t = ns.now();
        assertEquals(2, linked.getNlink());
        assertEquals(t, linked.getCtimeNs());
        assertEquals(f.getMtimeNs(), linked.getMtimeNs());
        assertEquals(t, ns.attr(d.getInode()).getMtimeNs());
        assertEquals(2, ns.attr(d.getInode()).getNlink());
        DirEntryMsg e = ReaddirOp.run(ns.store, Fixture.ALICE, ReaddirReq.newBuilder().setDir(d.getInode()).build())
                .getDirPage().getEntries(0);
        assertEquals(f.getInode(), e.getInode());
        assertEquals(FileType.REGULAR.ordinal(), e.getType());
    }

    @Test
    void link_ofDirectory_isEperm() {
        AttrMsg d = ns.mkdir(ROOT, "d");
        assertErrno(Errno.EPERM, ns.link(d.getInode(), ROOT, "e"));
    }

    @Test
    void link_ontoExistingName_isEexist() {
        AttrMsg f = ns.file(ROOT, "f");
        ns.file(ROOT, "g");
        assertErrno(Errno.EEXIST, ns.link(f.getInode(), ROOT, "g"));
        assertErrno(Errno.EEXIST, ns.link(f.getInode(), ROOT, "f"));
    }

    @Test
    void link_missingInodeOrBadParent_fails() {
        AttrMsg f = ns.file(ROOT, "f");
        assertErrno(Errno.ENOENT, ns.link(4242, ROOT, "x"));
        assertErrno(Errno.ENOENT, ns.link(f.getInode(), 4242, "x"));
        assertErrno(Errno.ENOTDIR, ns.link(f.getInode(), f.getInode(), "x"));
    }

    @Test
    void link_needsSearchAndWritePermission_onTheNewParent_afterEexist() {
        AttrMsg f = ns.file(ROOT, "f");
        AttrMsg d = ns.mkdir(ROOT, "d");
        ns.file(d.getInode(), "taken");
        Fixture bob = ns.as(Fixture.BOB);
        assertErrno(Errno.EACCES, bob.link(f.getInode(), d.getInode(), "new"));
        assertErrno(Errno.EEXIST, bob.link(f.getInode(), d.getInode(), "taken"));
        ok(ns.chmod(d.getInode(), 0776));
        assertErrno(Errno.EACCES, bob.link(f.getInode(), d.getInode(), "taken"));
        ok(ns.chmod(d.getInode(), 0773));
        ok(bob.link(f.getInode(), d.getInode(), "new"));
        assertEquals(2, ok(ns.lookup(d.getInode(), "new")).getNlink());
    }

    @Test
    void link_ofDirectory_isEperm_evenForRoot_butOnlyAfterThePermissionChecks() {
        AttrMsg d = ns.mkdir(ROOT, "d");
        assertErrno(Errno.EPERM, ns.as(Fixture.SUPERUSER).link(d.getInode(), ROOT, "again"));
        assertErrno(Errno.EACCES, ns.as(Fixture.BOB).link(d.getInode(), ROOT, "again"));
    }

    @Test
    void link_givesALinkableTmpfileItsFirstName_andItStopsBeingAnOrphan() throws Exception {
        AttrMsg t = ok(ns.tryCreate(CreateReq.newBuilder().setParent(ROOT).setType(FileType.REGULAR.ordinal())
                .setMode(0600).setTmpfile(true)));
        AttrMsg linked = ok(ns.link(t.getInode(), ROOT, "named"));
        assertEquals(1, linked.getNlink());
        InodeId id = new InodeId(t.getInode());
        assertTrue(ns.store.get(Schema.ORPHAN, id).isEmpty());
        assertFalse(ns.store.get(Schema.INODE, id).orElseThrow().linkable());
        assertEquals(t.getInode(), ok(ns.lookup(ROOT, "named")).getInode());

        ok(ns.unlink(ROOT, "named"));
        assertErrno(Errno.ENOENT, ns.link(t.getInode(), ROOT, "again"));
    }

    @Test
    void link_ofAnExclusiveTmpfile_isEnoent() {
        AttrMsg t = ok(ns.tryCreate(CreateReq.newBuilder().setParent(ROOT).setType(FileType.REGULAR.ordinal())
                .setMode(0600).setTmpfile(true).setExclusive(true)));
        assertErrno(Errno.ENOENT, ns.link(t.getInode(), ROOT, "named"));
    }
}
