package io.mnemo.meta.ops;

import static io.mnemo.meta.ops.Fixture.ROOT;
import static io.mnemo.meta.ops.Fixture.assertErrno;
import static io.mnemo.meta.ops.Fixture.bytes;
import static io.mnemo.meta.ops.Fixture.ok;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.proto.AttrMsg;
import io.mnemo.core.proto.DirPage;
import io.mnemo.core.proto.GetattrReq;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.core.proto.ReaddirReq;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LookupOp, GetattrOp and ReaddirOp. */
class ReadOpsTest {
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

    private DirPage page(long dirInode, String after, int limit) throws FsException {
        return ReaddirOp.run(ns.store, Fixture.ALICE, ReaddirReq.newBuilder().setDir(dirInode).setAfter(bytes(after)).setLimit(limit)
                .build()).getDirPage();
    }

    @Test
    void readdir_pagesInNameOrder_fromTheCookie() throws Exception {
        AttrMsg d = ns.mkdir(ROOT, "d");
        AttrMsg other = ns.mkdir(ROOT, "e"); // a neighbouring directory must not leak into d's listing
        ns.file(other.getInode(), "zz");
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            String name = String.format("f%02d", 24 - i);
            ns.file(d.getInode(), name);
            names.add(String.format("f%02d", i));
        }
        DirPage first = page(d.getInode(), "", 10);
        assertEquals(10, first.getEntriesCount());
        assertTrue(first.getMore());
        assertEquals("f00", first.getEntries(0).getName().toStringUtf8());
        DirPage next = page(d.getInode(), "f09", 10);
        assertEquals("f10", next.getEntries(0).getName().toStringUtf8());
        DirPage last = page(d.getInode(), "f19", 10);
        assertEquals(5, last.getEntriesCount());
        assertFalse(last.getMore());
        DirPage exact = page(d.getInode(), "f14", 10);
        assertEquals(10, exact.getEntriesCount());
        assertFalse(exact.getMore());
        assertEquals(names, ns.list(d.getInode()));
        // a cookie that is no longer an entry still works: listing resumes after it
        assertEquals("f10", page(d.getInode(), "f09x", 1).getEntries(0).getName().toStringUtf8());
    }

    @Test
    void readdir_withAttributes_carriesEachEntrysAttributes_andWithoutThemNone() throws Exception {
        AttrMsg d = ns.mkdir(ROOT, "d");
        AttrMsg f = ns.file(d.getInode(), "f");
        AttrMsg sub = ns.mkdir(d.getInode(), "sub");
        DirPage plain = page(d.getInode(), "", 10);
        assertFalse(plain.getEntries(0).hasAttr());
        DirPage plus = ReaddirOp.run(ns.store, Fixture.ALICE, ReaddirReq.newBuilder().setDir(d.getInode())
                .setWithAttributes(true).build()).getDirPage();
        assertEquals(f, plus.getEntries(0).getAttr());
        assertEquals(sub, plus.getEntries(1).getAttr());
    }

    @Test
    void readdir_ofEmptyDirectory_isEmpty_andOfFile_isEnotdir() throws Exception {
        DirPage empty = page(ROOT, "", 0);
        assertEquals(0, empty.getEntriesCount());
        assertFalse(empty.getMore());
        AttrMsg f = ns.file(ROOT, "f");
        FsException e = assertThrows(FsException.class, () -> page(f.getInode(), "", 10));
        assertEquals(Errno.ENOTDIR, e.errno());
        assertEquals(Errno.ENOENT, assertThrows(FsException.class, () -> page(555, "", 10)).errno());
    }

    @Test
    void lookup_findsEntries_dot_andDotDot() {
        AttrMsg d = ns.mkdir(ROOT, "d");
        AttrMsg f = ns.file(d.getInode(), "f");
        assertEquals(f, ok(ns.lookup(d.getInode(), "f")));
        assertEquals(d.getInode(), ok(ns.lookup(d.getInode(), ".")).getInode());
        assertEquals(ROOT, ok(ns.lookup(d.getInode(), "..")).getInode());
        assertErrno(Errno.ENOENT, ns.lookup(d.getInode(), "g"));
        assertErrno(Errno.ENOTDIR, ns.lookup(f.getInode(), "x"));
        assertErrno(Errno.ENOENT, ns.lookup(999, "x"));
        assertErrno(Errno.ENAMETOOLONG, ns.lookup(ROOT, "x".repeat(300)));
    }

    @Test
    void getattr_ofMissingInode_isEnoent() {
        assertEquals(Errno.ENOENT, assertThrows(FsException.class,
                () -> GetattrOp.run(ns.store, GetattrReq.newBuilder().setInode(77).build())).errno());
        assertEquals(Errno.ENOENT, assertThrows(FsException.class,
                () -> GetattrOp.run(ns.store, GetattrReq.newBuilder().build())).errno());
    }

    @Test
    void lookup_needsSearchPermission_onTheDirectory_evenForDotAndDotDot() {
        AttrMsg d = ns.mkdir(ROOT, "d");
        ns.file(d.getInode(), "f");
        ok(ns.chmod(d.getInode(), 0666));
        Fixture bob = ns.as(Fixture.BOB);
        assertErrno(Errno.EACCES, ns.lookup(d.getInode(), "f"));
        assertErrno(Errno.EACCES, ns.lookup(d.getInode(), "missing"), "EACCES, not ENOENT, without search permission");
        assertErrno(Errno.EACCES, ns.lookup(d.getInode(), "."));
        assertErrno(Errno.EACCES, ns.lookup(d.getInode(), ".."));
        assertErrno(Errno.EACCES, bob.lookup(d.getInode(), "f"));
        ok(ns.as(Fixture.SUPERUSER).lookup(d.getInode(), "f"));
        ok(ns.chmod(d.getInode(), 0701));
        ok(ns.lookup(d.getInode(), "f"));
        ok(bob.lookup(d.getInode(), "f"));
        assertErrno(Errno.EACCES, ns.as(Fixture.CAROL).lookup(d.getInode(), "f"), "group members get the group's bits");
    }

    @Test
    void readdir_needsReadPermission_getattrNeedsNothing() throws Exception {
        AttrMsg d = ns.mkdir(ROOT, "d");
        ns.file(d.getInode(), "f");
        ok(ns.chmod(d.getInode(), 0311));
        assertErrno(Errno.EACCES, ns.readdir(d.getInode()));
        assertErrno(Errno.EACCES, ns.as(Fixture.BOB).readdir(d.getInode()));
        assertEquals(1, ns.as(Fixture.SUPERUSER).readdir(d.getInode()).getDirPage().getEntriesCount());
        ok(ns.chmod(d.getInode(), 0004));
        assertEquals(1, ns.as(Fixture.BOB).readdir(d.getInode()).getDirPage().getEntriesCount());
        ok(ns.chmod(d.getInode(), 0));
        assertEquals(d.getInode(), ns.attr(d.getInode()).getInode());
    }

    @Test
    void lookupAndGetattr_neverCarryInlineContents_onlyOpenDoes() throws Exception {
        AttrMsg f = ns.file(ROOT, "small");
        ok(ns.writeInline(f.getInode(), new byte[] {7, 8, 9}));
        MetaResponse looked = ns.lookup(ROOT, "small");
        assertFalse(looked.hasInline(), "ls -l must not ship file contents");
        assertEquals(3, ok(looked).getSize());
        assertFalse(ns.getattr(f.getInode()).hasInline());
        assertArrayEquals(new byte[] {7, 8, 9}, ns.open(f.getInode(), 0).getInline().getData().toByteArray());
        AttrMsg d = ns.mkdir(ROOT, "d");
        assertFalse(ns.lookup(ROOT, "d").hasInline());
        assertFalse(ns.lookup(d.getInode(), ".").hasInline());
        assertFalse(ns.lookup(d.getInode(), "..").hasInline());
        AttrMsg big = ns.file(ROOT, "big");
        ok(ns.commitMovedToChunks(big.getInode(), 1 << 20));
        assertFalse(ns.lookup(ROOT, "big").hasInline());
        assertFalse(ns.getattr(big.getInode()).hasInline());
    }
}
