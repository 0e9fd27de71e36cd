package io.mnemo.meta.ops;

import static io.mnemo.meta.ops.Fixture.ROOT;
import static io.mnemo.meta.ops.Fixture.assertErrno;
import static io.mnemo.meta.ops.Fixture.bytes;
import static io.mnemo.meta.ops.Fixture.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mnemo.core.error.Errno;
import io.mnemo.core.model.FileType;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.proto.AttrMsg;
import io.mnemo.core.proto.CreateReq;
import io.mnemo.core.proto.MetaCommand;
import io.mnemo.core.proto.Protos;
import io.mnemo.core.proto.UnlinkReq;
import io.mnemo.meta.store.Schema;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnlinkOpTest {
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
    void unlink_lastLink_deletesInode_andRecordsOrphanWithLayout() throws Exception {
        AttrMsg f = ns.file(ROOT, "f");
        ok(ns.unlink(ROOT, "f"));
        long t = ns.now();
        assertErrno(Errno.ENOENT, ns.lookup(ROOT, "f"));
        InodeId id = new InodeId(f.getInode());
        assertTrue(ns.store.get(Schema.INODE, id).isEmpty());
        assertEquals(Protos.fromMsg(Fixture.LAYOUT), ns.store.get(Schema.ORPHAN, id).orElseThrow());
        assertEquals(t, ns.attr(ROOT).getMtimeNs());
        assertEquals(t, ns.attr(ROOT).getCtimeNs());
        assertEquals(1, ns.store.get(Schema.INODE_COUNT).orElseThrow());
        assertEquals(java.util.List.of(), ns.list(ROOT));
    }

    @Test
    void unlink_oneOfTwoLinks_keepsInode_withNewCtime() throws Exception {
        AttrMsg f = ns.file(ROOT, "f");
        ok(ns.link(f.getInode(), ROOT, "g"));
        ok(ns.unlink(ROOT, "f"));
        AttrMsg after = ns.attr(f.getInode());
        assertEquals(1, after.getNlink());
        assertEquals(ns.now(), after.getCtimeNs());
        assertTrue(ns.store.get(Schema.ORPHAN, new InodeId(f.getInode())).isEmpty());
        assertEquals(f.getInode(), ok(ns.lookup(ROOT, "g")).getInode());
    }

    @Test
    void unlink_symlink_leavesNoOrphan() {
        AttrMsg l = ok(ns.tryCreate(CreateReq.newBuilder().setParent(ROOT).setName(bytes("l"))
                .setType(FileType.SYMLINK.ordinal()).setSymlinkTarget("t")));
        ok(ns.unlink(ROOT, "l"));
        assertTrue(ns.store.get(Schema.INODE, new InodeId(l.getInode())).isEmpty());
        assertTrue(ns.store.get(Schema.ORPHAN, new InodeId(l.getInode())).isEmpty());
    }

    @Test
    void unlink_ofDirectory_isEisdir() {
        ns.mkdir(ROOT, "d");
        assertErrno(Errno.EISDIR, ns.unlink(ROOT, "d"));
        ok(ns.lookup(ROOT, "d"));
    }

    @Test
    void unlink_missing_isEnoent_andParentNotDirectory_isEnotdir() {
        assertErrno(Errno.ENOENT, ns.unlink(ROOT, "nope"));
        AttrMsg f = ns.file(ROOT, "f");
        assertErrno(Errno.ENOTDIR, ns.unlink(f.getInode(), "x"));
        assertErrno(Errno.ENOENT, ns.unlink(12345, "x"));
    }

    @Test
    void rmdir_empty_removesIt_andParentLink() throws Exception {
        AttrMsg d = ns.mkdir(ROOT, "d");
        assertEquals(3, ns.attr(ROOT).getNlink());
        ok(ns.rmdir(ROOT, "d"));
        assertEquals(2, ns.attr(ROOT).getNlink());
        assertEquals(ns.now(), ns.attr(ROOT).getMtimeNs());
        assertTrue(ns.store.get(Schema.INODE, new InodeId(d.getInode())).isEmpty());
        assertTrue(ns.store.get(Schema.ORPHAN, new InodeId(d.getInode())).isEmpty());
        assertErrno(Errno.ENOENT, ns.lookup(ROOT, "d"));
    }

    @Test
    void rmdir_nonEmpty_isEnotempty() {
        AttrMsg d = ns.mkdir(ROOT, "d");
        ns.file(d.getInode(), "f");
        assertErrno(Errno.ENOTEMPTY, ns.rmdir(ROOT, "d"));
        ok(ns.unlink(d.getInode(), "f"));
        ok(ns.rmdir(ROOT, "d"));
    }

    @Test
    void rmdir_ofFile_isEnotdir() {
        ns.file(ROOT, "f");
        assertErrno(Errno.ENOTDIR, ns.rmdir(ROOT, "f"));
    }

    @Test
    void rmdir_ofRoot_isEbusy() {
        assertErrno(Errno.EBUSY, ns.apply(MetaCommand.newBuilder().setUnlink(UnlinkReq.newBuilder().setParent(0)
                .setName(bytes("/")).setDirectory(true))));
    }
}
