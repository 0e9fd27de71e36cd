package io.mnemo.meta.ops;

import static io.mnemo.meta.ops.Fixture.ROOT;
import static io.mnemo.meta.ops.Fixture.assertErrno;
import static io.mnemo.meta.ops.Fixture.bytes;
import static io.mnemo.meta.ops.Fixture.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mnemo.core.error.Errno;
import io.mnemo.core.model.FileType;
import io.mnemo.core.proto.AttrMsg;
import io.mnemo.core.proto.CreateReq;
import io.mnemo.core.proto.SetattrReq;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SetattrOpTest {
    @TempDir
    Path dir;
    Fixture ns;
    AttrMsg f;

    @BeforeEach
    void format() throws Exception {
        ns = Fixture.format(dir);
        f = ns.file(ROOT, "f");
    }

    @AfterEach
    void close() {
        ns.close();
    }

    private SetattrReq.Builder req() {
        return SetattrReq.newBuilder().setInode(f.getInode());
    }

    @Test
    void chmod_changesPermissionBitsOnly_andCtime() throws Exception {
        AttrMsg a = ok(ns.setattr(req().setHasMode(true).setMode(0104755)));
        assertEquals(04755, a.getMode());
        assertEquals(ns.now(), a.getCtimeNs());
        assertEquals(f.getMtimeNs(), a.getMtimeNs());
        assertEquals(a, ns.attr(f.getInode()));
    }

    @Test
    void chown_changesUidAndGidSeparately() {
        AttrMsg a = ok(ns.setattr(req().setHasUid(true).setUid(7)));
        assertEquals(7, a.getUid());
        assertEquals(100, a.getGid());
        AttrMsg b = ok(ns.setattr(req().setHasGid(true).setGid(8)));
        assertEquals(7, b.getUid());
        assertEquals(8, b.getGid());
        assertEquals(ns.now(), b.getCtimeNs());
    }

    @Test
    void truncate_setsSize_mtimeAndCtime() {
        ns.commitLength(f.getInode(), 10_000, false);
        AttrMsg a = ok(ns.setattr(req().setHasSize(true).setSize(10)));
        assertEquals(10, a.getSize());
        assertEquals(ns.now(), a.getMtimeNs());
        assertEquals(ns.now(), a.getCtimeNs());
        assertEquals(20, ok(ns.setattr(req().setHasSize(true).setSize(20))).getSize());
    }

    @Test
    void truncate_ofDirectory_isEisdir_andOfSymlink_isEinval() {
        assertErrno(Errno.EISDIR, ns.setattr(SetattrReq.newBuilder().setInode(ROOT).setHasSize(true)));
        AttrMsg l = ok(ns.tryCreate(CreateReq.newBuilder().setParent(ROOT).setName(bytes("l"))
                .setType(FileType.SYMLINK.ordinal()).setSymlinkTarget("t")));
        assertErrno(Errno.EINVAL, ns.setattr(SetattrReq.newBuilder().setInode(l.getInode()).setHasSize(true)));
    }

    @Test
    void utimens_setsGivenTimes_orTheCommandTime() {
        AttrMsg a = ok(ns.setattr(req().setHasAtime(true).setAtimeNs(111).setHasMtime(true).setMtimeNs(222)));
        assertEquals(111, a.getAtimeNs());
        assertEquals(222, a.getMtimeNs());
        assertEquals(ns.now(), a.getCtimeNs());
        AttrMsg b = ok(ns.setattr(req().setHasAtime(true).setAtimeNow(true)));
        assertEquals(ns.now(), b.getAtimeNs());
        assertEquals(222, b.getMtimeNs());
        AttrMsg c = ok(ns.setattr(req().setHasMtime(true).setMtimeNow(true)));
        assertEquals(ns.now(), c.getMtimeNs());
        assertEquals(b.getAtimeNs(), c.getAtimeNs());
    }

    @Test
    void setattr_withNothingSet_changesNothing() throws Exception {
        assertEquals(f, ok(ns.setattr(req())));
        assertEquals(f, ns.attr(f.getInode()));
    }

    @Test
    void setattr_ofMissingInode_isEnoent() {
        assertErrno(Errno.ENOENT, ns.setattr(SetattrReq.newBuilder().setInode(999).setHasMode(true)));
    }

    @Test
    void chmod_ofDirectory_works() {
        AttrMsg d = ok(ns.setattr(SetattrReq.newBuilder().setInode(ROOT).setHasMode(true).setMode(01777)));
        assertEquals(01777, d.getMode());
        assertEquals(FileType.DIRECTORY.ordinal(), d.getType());
    }
}
