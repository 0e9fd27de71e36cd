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
import io.mnemo.meta.store.Keys;
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
    void unlink_lastLink_keepsTheInodeUnnamed_andRecordsOrphanWithLayout() throws Exception {
        AttrMsg f = ns.file(ROOT, "f");
        ok(ns.unlink(ROOT, "f"));
        long t = ns.now();
        assertErrno(Errno.ENOENT, ns.lookup(ROOT, "f"));
        InodeId id = new InodeId(f.getInode());
        AttrMsg unnamed = ns.attr(f.getInode());
        assertEquals(0, unnamed.getNlink());
        assertEquals(t, unnamed.getCtimeNs());
        assertEquals(Protos.fromMsg(Fixture.LAYOUT), ns.store.get(Schema.ORPHAN, id).orElseThrow());
        assertEquals(t, ns.attr(ROOT).getMtimeNs());
        assertEquals(t, ns.attr(ROOT).getCtimeNs());
        assertEquals(2, ns.store.get(Schema.INODE_COUNT).orElseThrow(), "counted until purged");
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

    @Test
    void unlinkAndRmdir_needSearchAndWritePermission_onTheParent() {
        AttrMsg d = ns.mkdir(ROOT, "d");
        ns.file(d.getInode(), "f");
        ns.mkdir(d.getInode(), "sub");
        Fixture bob = ns.as(Fixture.BOB);
        assertErrno(Errno.EACCES, bob.unlink(d.getInode(), "f"));
        assertErrno(Errno.EACCES, bob.rmdir(d.getInode(), "sub"));
        ok(ns.chmod(d.getInode(), 0776));
        assertErrno(Errno.EACCES, bob.unlink(d.getInode(), "f"), "write without search is not enough");
        assertErrno(Errno.EACCES, bob.unlink(d.getInode(), "missing"), "EACCES before ENOENT without search");
        ok(ns.chmod(d.getInode(), 0773));
        assertErrno(Errno.ENOENT, bob.unlink(d.getInode(), "missing"));
        ok(bob.unlink(d.getInode(), "f")); // somebody else's file: fine outside sticky directories
        ok(bob.rmdir(d.getInode(), "sub"));
    }

    @Test
    void stickyDirectory_letsOnlyTheOwnersOfEntryOrDirectory_orRootRemove() {
        AttrMsg tmp = ns.mkdir(ROOT, "tmp");
        ok(ns.chmod(tmp.getInode(), 01777)); // alice's sticky directory
        Fixture bob = ns.as(Fixture.BOB);
        Fixture carol = ns.as(Fixture.CAROL);
        ok(carol.tryCreate(tmp.getInode(), "carols", FileType.REGULAR, 0666));
        ok(carol.tryCreate(tmp.getInode(), "carolsDir", FileType.DIRECTORY, 0777));
        ok(carol.tryCreate(tmp.getInode(), "carols2", FileType.REGULAR, 0666));
        ok(carol.tryCreate(tmp.getInode(), "carols3", FileType.REGULAR, 0666));
        assertErrno(Errno.EPERM, bob.unlink(tmp.getInode(), "carols"));
        assertErrno(Errno.EPERM, bob.rmdir(tmp.getInode(), "carolsDir"));
        ok(carol.unlink(tmp.getInode(), "carols")); // the file's owner
        ok(ns.unlink(tmp.getInode(), "carols2")); // the directory's owner
        ok(ns.as(Fixture.SUPERUSER).unlink(tmp.getInode(), "carols3"));
        ok(carol.rmdir(tmp.getInode(), "carolsDir"));
    }

    @Test
    void unlinkedButOpenFile_canStillBeChangedAndWritten_butNotLinked() throws Exception {
        AttrMsg f = ns.file(ROOT, "f");
        ok(ns.unlink(ROOT, "f"));
        assertEquals(123, ok(ns.commitLength(f.getInode(), 123, true)).getSize());
        assertEquals(0600, ok(ns.chmod(f.getInode(), 0600)).getMode());
        assertEquals(0, ns.attr(f.getInode()).getNlink());
        assertErrno(Errno.ENOENT, ns.link(f.getInode(), ROOT, "back"));
        ok(ns.setxattr(f.getInode(), "user.k", "v", 0));
    }

    @Test
    void unlink_ofFifo_forgetsTheInode_withItsXattrs() {
        AttrMsg p = ok(ns.tryCreate(ROOT, "p", FileType.FIFO, 0644));
        ok(ns.as(Fixture.SUPERUSER).setxattr(p.getInode(), "trusted.k", "v", 0));
        ok(ns.unlink(ROOT, "p"));
        InodeId id = new InodeId(p.getInode());
        assertTrue(ns.store.get(Schema.INODE, id).isEmpty());
        assertTrue(ns.store.scan(Schema.XATTR, Keys.xattrStart(id), Keys.xattrEnd(id), 10).isEmpty());
    }
}
