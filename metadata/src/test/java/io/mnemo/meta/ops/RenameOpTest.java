package io.mnemo.meta.ops;

import static io.mnemo.meta.ops.Fixture.ROOT;
import static io.mnemo.meta.ops.Fixture.assertErrno;
import static io.mnemo.meta.ops.Fixture.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mnemo.core.error.Errno;
import io.mnemo.core.model.FileType;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.proto.AttrMsg;
import io.mnemo.meta.store.Schema;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RenameOpTest {
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
    void rename_fileWithinDirectory_movesEntry_andSetsTimes() throws Exception {
        AttrMsg f = ns.file(ROOT, "a");
        ok(ns.rename(ROOT, "a", ROOT, "b"));
        long t = ns.now();
        assertEquals(List.of("b"), ns.list(ROOT));
        AttrMsg moved = ns.attr(f.getInode());
        assertEquals(t, moved.getCtimeNs());
        assertEquals(f.getMtimeNs(), moved.getMtimeNs());
        assertEquals(t, ns.attr(ROOT).getMtimeNs());
        assertEquals(t, ns.attr(ROOT).getCtimeNs());
        assertEquals(2, ns.attr(ROOT).getNlink());
    }

    @Test
    void rename_directoryAcrossParents_movesLinksAndParentPointer() throws Exception {
        AttrMsg a = ns.mkdir(ROOT, "a");
        AttrMsg b = ns.mkdir(ROOT, "b");
        AttrMsg d = ns.mkdir(a.getInode(), "d");
        ok(ns.rename(a.getInode(), "d", b.getInode(), "e"));
        assertEquals(2, ns.attr(a.getInode()).getNlink());
        assertEquals(3, ns.attr(b.getInode()).getNlink());
        assertEquals(4, ns.attr(ROOT).getNlink());
        assertEquals(b.getInode(), ok(ns.lookup(d.getInode(), "..")).getInode());
        assertEquals(ns.now(), ns.attr(a.getInode()).getMtimeNs());
        assertEquals(ns.now(), ns.attr(b.getInode()).getMtimeNs());
        assertEquals(ns.now(), ns.attr(d.getInode()).getCtimeNs());
        assertEquals(List.of(), ns.list(a.getInode()));
        assertEquals(List.of("e"), ns.list(b.getInode()));
    }

    @Test
    void rename_fileOntoFile_replacesIt_andOrphansTheOld() throws Exception {
        AttrMsg a = ns.file(ROOT, "a");
        AttrMsg b = ns.file(ROOT, "b");
        ok(ns.rename(ROOT, "a", ROOT, "b"));
        assertEquals(a.getInode(), ok(ns.lookup(ROOT, "b")).getInode());
        assertEquals(List.of("b"), ns.list(ROOT));
        AttrMsg replaced = ns.attr(b.getInode()); // kept, unnamed, for handles still open on it
        assertEquals(0, replaced.getNlink());
        assertEquals(ns.now(), replaced.getCtimeNs());
        assertTrue(ns.store.get(Schema.ORPHAN, new InodeId(b.getInode())).isPresent());
        assertEquals(3, ns.store.get(Schema.INODE_COUNT).orElseThrow(), "counted until purged");
    }

    @Test
    void rename_fileOntoHardLinkedFile_dropsOneLink() throws Exception {
        ns.file(ROOT, "a");
        AttrMsg b = ns.file(ROOT, "b");
        ok(ns.link(b.getInode(), ROOT, "c"));
        ok(ns.rename(ROOT, "a", ROOT, "b"));
        AttrMsg c = ns.attr(b.getInode());
        assertEquals(1, c.getNlink());
        assertEquals(ns.now(), c.getCtimeNs());
        assertTrue(ns.store.get(Schema.ORPHAN, new InodeId(b.getInode())).isEmpty());
    }

    @Test
    void rename_directoryOntoEmptyDirectory_replacesIt() throws Exception {
        AttrMsg a = ns.mkdir(ROOT, "a");
        AttrMsg p = ns.mkdir(ROOT, "p");
        AttrMsg empty = ns.mkdir(p.getInode(), "e");
        ok(ns.rename(ROOT, "a", p.getInode(), "e"));
        assertEquals(a.getInode(), ok(ns.lookup(p.getInode(), "e")).getInode());
        assertTrue(ns.store.get(Schema.INODE, new InodeId(empty.getInode())).isEmpty());
        assertEquals(3, ns.attr(ROOT).getNlink()); // p only
        assertEquals(3, ns.attr(p.getInode()).getNlink()); // a replaced e
        assertEquals(p.getInode(), ok(ns.lookup(a.getInode(), "..")).getInode());
    }

    @Test
    void rename_directoryOntoNonEmptyDirectory_isEnotempty() {
        ns.mkdir(ROOT, "a");
        AttrMsg full = ns.mkdir(ROOT, "full");
        ns.file(full.getInode(), "x");
        assertErrno(Errno.ENOTEMPTY, ns.rename(ROOT, "a", ROOT, "full"));
    }

    @Test
    void rename_kindMismatch_isEnotdirOrEisdir() {
        ns.mkdir(ROOT, "d");
        ns.file(ROOT, "f");
        assertErrno(Errno.ENOTDIR, ns.rename(ROOT, "d", ROOT, "f"));
        assertErrno(Errno.EISDIR, ns.rename(ROOT, "f", ROOT, "d"));
    }

    @Test
    void rename_directoryIntoItsOwnSubtree_isEinval() {
        AttrMsg a = ns.mkdir(ROOT, "a");
        AttrMsg b = ns.mkdir(a.getInode(), "b");
        assertErrno(Errno.EINVAL, ns.rename(ROOT, "a", b.getInode(), "c"));
        assertErrno(Errno.EINVAL, ns.rename(ROOT, "a", a.getInode(), "self"));
    }

    @Test
    void rename_directoryOntoItsAncestor_isEnotempty() {
        AttrMsg a = ns.mkdir(ROOT, "a");
        ns.mkdir(a.getInode(), "b");
        assertErrno(Errno.ENOTEMPTY, ns.rename(a.getInode(), "b", ROOT, "a"));
    }

    @Test
    void rename_ontoItselfOrAHardLinkOfItself_doesNothing() throws Exception {
        AttrMsg f = ns.file(ROOT, "f");
        ok(ns.link(f.getInode(), ROOT, "g"));
        AttrMsg before = ns.attr(f.getInode());
        AttrMsg rootBefore = ns.attr(ROOT);
        ok(ns.rename(ROOT, "f", ROOT, "f"));
        ok(ns.rename(ROOT, "f", ROOT, "g"));
        assertEquals(List.of("f", "g"), ns.list(ROOT));
        assertEquals(before, ns.attr(f.getInode()));
        assertEquals(rootBefore, ns.attr(ROOT));
    }

    @Test
    void rename_missingSource_isEnoent() {
        assertErrno(Errno.ENOENT, ns.rename(ROOT, "nope", ROOT, "x"));
        assertErrno(Errno.ENOENT, ns.rename(ROOT, "nope", 777, "x"));
    }

    @Test
    void rename_ofRoot_isEbusy() {
        assertErrno(Errno.EBUSY, ns.rename(0, "x", ROOT, "y"));
    }

    @Test
    void rename_noReplace_refusesExistingTarget() {
        ns.file(ROOT, "a");
        ns.file(ROOT, "b");
        assertErrno(Errno.EEXIST, ns.rename(ROOT, "a", ROOT, "b", RenameOp.NOREPLACE));
        ok(ns.rename(ROOT, "a", ROOT, "c", RenameOp.NOREPLACE));
    }

    @Test
    void rename_exchange_swapsAFileAndADirectory() throws Exception {
        AttrMsg p = ns.mkdir(ROOT, "p");
        AttrMsg f = ns.file(ROOT, "f");
        AttrMsg d = ns.mkdir(p.getInode(), "d");
        ok(ns.rename(ROOT, "f", p.getInode(), "d", RenameOp.EXCHANGE));
        assertEquals(d.getInode(), ok(ns.lookup(ROOT, "f")).getInode());
        assertEquals(f.getInode(), ok(ns.lookup(p.getInode(), "d")).getInode());
        assertEquals(4, ns.attr(ROOT).getNlink()); // p and the swapped-in directory
        assertEquals(2, ns.attr(p.getInode()).getNlink());
        assertEquals(ROOT, ok(ns.lookup(d.getInode(), "..")).getInode());
        assertErrno(Errno.ENOENT, ns.rename(ROOT, "f", ROOT, "missing", RenameOp.EXCHANGE));
        assertErrno(Errno.EINVAL, ns.rename(ROOT, "f", ROOT, "p", RenameOp.EXCHANGE | RenameOp.NOREPLACE));
    }

    @Test
    void rename_needsSearchAndWritePermission_onBothDirectories() throws Exception {
        AttrMsg a = ns.mkdir(ROOT, "a");
        AttrMsg b = ns.mkdir(ROOT, "b");
        ns.file(a.getInode(), "f");
        ns.file(b.getInode(), "g");
        ok(ns.chmod(a.getInode(), 0777));
        Fixture bob = ns.as(Fixture.BOB);
        assertErrno(Errno.EACCES, bob.rename(a.getInode(), "f", b.getInode(), "f"), "b is 0755");
        assertErrno(Errno.EACCES, bob.rename(a.getInode(), "f", b.getInode(), "g"), "replacing needs it too");
        assertErrno(Errno.EACCES, bob.rename(b.getInode(), "g", a.getInode(), "g"), "so does taking from b");
        ok(ns.chmod(b.getInode(), 0776));
        assertErrno(Errno.EACCES, bob.rename(a.getInode(), "f", b.getInode(), "f"), "no search permission on b");
        ok(ns.chmod(b.getInode(), 0773));
        ok(bob.rename(a.getInode(), "f", b.getInode(), "f"));
        ok(bob.rename(b.getInode(), "f", b.getInode(), "g"));
        assertEquals(List.of("g"), ns.list(b.getInode()));
    }

    @Test
    void rename_inStickyDirectories_needsOwnershipOfSourceAndOfReplacedTarget() throws Exception {
        AttrMsg tmp = ns.mkdir(ROOT, "tmp");
        ok(ns.chmod(tmp.getInode(), 01777));
        Fixture bob = ns.as(Fixture.BOB);
        Fixture carol = ns.as(Fixture.CAROL);
        ok(carol.tryCreate(tmp.getInode(), "carols", FileType.REGULAR, 0666));
        ok(bob.tryCreate(tmp.getInode(), "bobs", FileType.REGULAR, 0666));
        assertErrno(Errno.EPERM, bob.rename(tmp.getInode(), "carols", tmp.getInode(), "mine"));
        assertErrno(Errno.EPERM, bob.rename(tmp.getInode(), "bobs", tmp.getInode(), "carols"), "over carol's file");
        ok(bob.rename(tmp.getInode(), "bobs", tmp.getInode(), "new"));
        ok(ns.rename(tmp.getInode(), "carols", tmp.getInode(), "moved"), "the directory's owner may");
        ok(ns.as(Fixture.SUPERUSER).rename(tmp.getInode(), "new", tmp.getInode(), "moved"));
        assertEquals(List.of("moved"), ns.list(tmp.getInode()));
    }

    @Test
    void rename_ofDirectoryToAnotherParent_needsWritePermissionOnItself() throws Exception {
        AttrMsg a = ns.mkdir(ROOT, "a");
        AttrMsg b = ns.mkdir(ROOT, "b");
        ok(ns.chmod(a.getInode(), 0777));
        ok(ns.chmod(b.getInode(), 0777));
        AttrMsg d = ok(ns.tryCreate(a.getInode(), "d", FileType.DIRECTORY, 0555));
        Fixture bob = ns.as(Fixture.BOB);
        ok(bob.rename(a.getInode(), "d", a.getInode(), "e"), "within one directory '..' stays");
        assertErrno(Errno.EACCES, bob.rename(a.getInode(), "e", b.getInode(), "e"));
        assertErrno(Errno.EACCES, ns.rename(a.getInode(), "e", b.getInode(), "e"), "not even for its owner");
        ok(ns.as(Fixture.SUPERUSER).rename(a.getInode(), "e", b.getInode(), "e"));
        assertEquals(ns.now(), ns.attr(d.getInode()).getCtimeNs());
        assertEquals(b.getInode(), ok(ns.lookup(d.getInode(), "..")).getInode());
        ok(ns.chmod(d.getInode(), 0755));
        ok(ns.tryCreate(b.getInode(), "f", FileType.REGULAR, 0644));
        ok(ns.rename(b.getInode(), "e", a.getInode(), "e"));
    }

    @Test
    void rename_exchange_checksBothEntries() {
        AttrMsg tmp = ns.mkdir(ROOT, "tmp");
        ok(ns.chmod(tmp.getInode(), 01777));
        ok(ns.as(Fixture.CAROL).tryCreate(tmp.getInode(), "carols", FileType.REGULAR, 0666));
        ok(ns.as(Fixture.BOB).tryCreate(tmp.getInode(), "bobs", FileType.REGULAR, 0666));
        assertErrno(Errno.EPERM, ns.as(Fixture.BOB).rename(tmp.getInode(), "bobs", tmp.getInode(), "carols",
                RenameOp.EXCHANGE));
        ok(ns.rename(tmp.getInode(), "bobs", tmp.getInode(), "carols", RenameOp.EXCHANGE));
    }

    @Test
    void rename_acrossDirectories_setsTimesOfBothParents_andTheMovedAndReplacedInodes() throws Exception {
        AttrMsg a = ns.mkdir(ROOT, "a");
        AttrMsg b = ns.mkdir(ROOT, "b");
        AttrMsg f = ns.file(a.getInode(), "f");
        AttrMsg g = ns.file(b.getInode(), "g");
        ok(ns.link(g.getInode(), ROOT, "g2"));
        ok(ns.rename(a.getInode(), "f", b.getInode(), "g"));
        long t = ns.now();
        for (long inode : new long[] {a.getInode(), b.getInode()}) {
            assertEquals(t, ns.attr(inode).getMtimeNs());
            assertEquals(t, ns.attr(inode).getCtimeNs());
        }
        assertEquals(t, ns.attr(f.getInode()).getCtimeNs());
        assertEquals(f.getMtimeNs(), ns.attr(f.getInode()).getMtimeNs(), "a rename does not modify the file");
        assertEquals(t, ns.attr(g.getInode()).getCtimeNs());
        assertEquals(1, ns.attr(g.getInode()).getNlink());
    }
}
