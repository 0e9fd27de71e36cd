package io.mnemo.meta.ops;

import static io.mnemo.meta.ops.Fixture.ROOT;
import static io.mnemo.meta.ops.Fixture.assertErrno;
import static io.mnemo.meta.ops.Fixture.bytes;
import static io.mnemo.meta.ops.Fixture.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mnemo.core.error.Errno;
import io.mnemo.core.model.FileType;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.proto.AttrMsg;
import io.mnemo.core.proto.CreateReq;
import io.mnemo.core.proto.MetaCommand;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.core.proto.Protos;
import io.mnemo.meta.store.Schema;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CreateOpTest {
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
    void format_makesRootDirectory() throws Exception {
        AttrMsg root = ns.attr(ROOT);
        assertEquals(FileType.DIRECTORY.ordinal(), root.getType());
        assertEquals(0755, root.getMode());
        assertEquals(2, root.getNlink());
        assertEquals(1000, root.getUid()); // the fixture's caller formatted it
        assertEquals(1, ns.store.get(Schema.INODE_COUNT).orElseThrow());
        assertEquals(Schema.FORMAT_VERSION, ns.store.get(Schema.FORMAT_VERSION_CELL).orElseThrow());
        assertEquals(ROOT, ok(ns.lookup(ROOT, "..")).getInode());
    }

    @Test
    void format_twice_isEexist() {
        assertErrno(Errno.EEXIST, ns.apply(MetaCommand.newBuilder().setNewInode(1)
                .setCreate(CreateReq.newBuilder().setParent(0).setType(FileType.DIRECTORY.ordinal()))));
    }

    @Test
    void create_regularFile_ownedByCaller_withLayout_andTouchesParent() throws Exception {
        AttrMsg f = ns.file(ROOT, "a.bin");
        long t = ns.now();
        assertEquals(FileType.REGULAR.ordinal(), f.getType());
        assertEquals(0644, f.getMode());
        assertEquals(1000, f.getUid());
        assertEquals(100, f.getGid());
        assertEquals(1, f.getNlink());
        assertEquals(0, f.getSize());
        assertEquals(t, f.getAtimeNs());
        assertEquals(t, f.getMtimeNs());
        assertEquals(t, f.getCtimeNs());
        assertEquals(Fixture.LAYOUT, f.getLayout());
        assertEquals(f.getInode(), ok(ns.lookup(ROOT, "a.bin")).getInode());
        AttrMsg root = ns.attr(ROOT);
        assertEquals(t, root.getMtimeNs());
        assertEquals(t, root.getCtimeNs());
        assertEquals(2, root.getNlink());
        assertEquals(2, ns.store.get(Schema.INODE_COUNT).orElseThrow());
        assertEquals(f.getInode() + 1, ns.store.get(Schema.NEXT_INODE).orElseThrow());
    }

    @Test
    void mkdir_addsParentLink_andRecordsParent() throws Exception {
        AttrMsg d = ns.mkdir(ROOT, "d");
        assertEquals(2, d.getNlink());
        assertEquals(3, ns.attr(ROOT).getNlink());
        AttrMsg sub = ns.mkdir(d.getInode(), "sub");
        assertEquals(3, ns.attr(d.getInode()).getNlink());
        assertEquals(d.getInode(), ok(ns.lookup(sub.getInode(), "..")).getInode());
        assertEquals(sub.getInode(), ok(ns.lookup(sub.getInode(), ".")).getInode());
        assertEquals(ROOT, ok(ns.lookup(d.getInode(), "..")).getInode());
    }

    @Test
    void symlink_storesTargetAndSize() {
        AttrMsg l = ok(ns.tryCreate(CreateReq.newBuilder().setParent(ROOT).setName(bytes("l"))
                .setType(FileType.SYMLINK.ordinal()).setSymlinkTarget("../some/where")));
        assertEquals(FileType.SYMLINK.ordinal(), l.getType());
        assertEquals("../some/where", l.getSymlinkTarget());
        assertEquals(13, l.getSize());
        assertEquals(0777, l.getMode());
        assertFalse(l.hasLayout());
    }

    @Test
    void symlink_withEmptyTarget_isEnoent() {
        assertErrno(Errno.ENOENT, ns.tryCreate(CreateReq.newBuilder().setParent(ROOT).setName(bytes("l"))
                .setType(FileType.SYMLINK.ordinal())));
    }

    @Test
    void mknod_fifoAndDevice() {
        AttrMsg fifo = ok(ns.tryCreate(ROOT, "p", FileType.FIFO, 0600));
        assertEquals(FileType.FIFO.ordinal(), fifo.getType());
        assertEquals(0, fifo.getRdev());
        AttrMsg dev = ok(ns.tryCreate(CreateReq.newBuilder().setParent(ROOT).setName(bytes("tty"))
                .setType(FileType.CHAR_DEVICE.ordinal()).setMode(0620).setRdev(0x0401)));
        assertEquals(0x0401, dev.getRdev());
        assertEquals(0620, dev.getMode());
    }

    @Test
    void create_exclusive_ofExistingName_isEexist() {
        ns.file(ROOT, "x");
        assertErrno(Errno.EEXIST, ns.tryCreate(CreateReq.newBuilder().setParent(ROOT).setName(bytes("x"))
                .setType(FileType.REGULAR.ordinal()).setExclusive(true)));
        assertErrno(Errno.EEXIST, ns.tryCreate(ROOT, "x", FileType.DIRECTORY, 0755));
        assertErrno(Errno.EEXIST, ns.tryCreate(ROOT, "x", FileType.FIFO, 0644));
    }

    @Test
    void create_nonExclusive_ofExistingFile_returnsItUnchanged() throws Exception {
        AttrMsg first = ns.file(ROOT, "x");
        AttrMsg rootBefore = ns.attr(ROOT);
        AttrMsg again = ok(ns.tryCreate(ROOT, "x", FileType.REGULAR, 0600));
        assertEquals(first, again);
        assertEquals(rootBefore, ns.attr(ROOT));
        assertEquals(2, ns.store.get(Schema.INODE_COUNT).orElseThrow());
    }

    @Test
    void create_nonExclusive_ofExistingDirectory_isEisdir() {
        ns.mkdir(ROOT, "d");
        assertErrno(Errno.EISDIR, ns.tryCreate(ROOT, "d", FileType.REGULAR, 0644));
    }

    @Test
    void create_inMissingParent_isEnoent_andInFile_isEnotdir() {
        assertErrno(Errno.ENOENT, ns.tryCreate(999, "x", FileType.REGULAR, 0644));
        AttrMsg f = ns.file(ROOT, "f");
        assertErrno(Errno.ENOTDIR, ns.tryCreate(f.getInode(), "x", FileType.REGULAR, 0644));
    }

    @Test
    void create_withBadNames_fails() {
        assertErrno(Errno.EINVAL, ns.tryCreate(ROOT, "a/b", FileType.REGULAR, 0644));
        assertErrno(Errno.EINVAL, ns.tryCreate(ROOT, ".", FileType.DIRECTORY, 0755));
        assertErrno(Errno.EINVAL, ns.tryCreate(ROOT, "..", FileType.DIRECTORY, 0755));
        assertErrno(Errno.ENAMETOOLONG, ns.tryCreate(ROOT, "n".repeat(256), FileType.REGULAR, 0644));
        ok(ns.tryCreate(ROOT, "n".repeat(255), FileType.REGULAR, 0644));
    }

    @Test
    void create_regularFile_withoutLayout_isEnospc_andWritesNothing() throws Exception {
        AttrMsg rootBefore = ns.attr(ROOT);
        MetaResponse r = ns.apply(MetaCommand.newBuilder().setNewInode(50).setCreate(CreateReq.newBuilder()
                .setParent(ROOT).setName(bytes("f")).setType(FileType.REGULAR.ordinal()).setMode(0644)));
        assertErrno(Errno.ENOSPC, r);
        assertTrue(r.getMessage().contains("no data nodes registered"), r.getMessage());
        assertErrno(Errno.ENOENT, ns.lookup(ROOT, "f"));
        assertTrue(ns.store.get(Schema.INODE, new InodeId(50)).isEmpty());
        assertEquals(rootBefore, ns.attr(ROOT));
        assertEquals(1, ns.store.get(Schema.INODE_COUNT).orElseThrow());
    }

    @Test
    void create_withUnknownType_isEinval() {
        assertErrno(Errno.EINVAL, ns.apply(MetaCommand.newBuilder().setNewInode(7).setCreate(CreateReq.newBuilder()
                .setParent(ROOT).setName(bytes("q")).setType(42))));
    }

    @Test
    void create_needsSearchThenWritePermission_onTheParent_butAnExistingNameIsEexistFirst() {
        AttrMsg d = ns.mkdir(ROOT, "d");
        ns.file(d.getInode(), "there");
        Fixture bob = ns.as(Fixture.BOB);
        assertErrno(Errno.EACCES, bob.tryCreate(d.getInode(), "new", FileType.REGULAR, 0644), "0755: no write");
        assertErrno(Errno.EACCES, bob.tryCreate(d.getInode(), "new", FileType.DIRECTORY, 0755));
        assertErrno(Errno.EEXIST, bob.tryCreate(d.getInode(), "there", FileType.DIRECTORY, 0755));
        ok(ns.chmod(d.getInode(), 0776));
        assertErrno(Errno.EACCES, bob.tryCreate(d.getInode(), "there", FileType.DIRECTORY, 0755),
                "without search permission the name cannot be looked at");
        ok(ns.chmod(d.getInode(), 0771));
        assertErrno(Errno.EACCES, bob.tryCreate(CreateReq.newBuilder().setParent(d.getInode()).setName(bytes("sym"))
                .setType(FileType.SYMLINK.ordinal()).setSymlinkTarget("x")));
        assertErrno(Errno.EACCES, bob.tryCreate(d.getInode(), "fifo", FileType.FIFO, 0644));
        ok(ns.chmod(d.getInode(), 0703));
        AttrMsg mine = ok(bob.tryCreate(d.getInode(), "bobs", FileType.REGULAR, 0600));
        assertEquals(1001, mine.getUid());
        assertEquals(1001, mine.getGid());
        ok(ns.as(Fixture.SUPERUSER).tryCreate(ROOT, "roots", FileType.REGULAR, 0600));
    }

    @Test
    void create_belowASetgidDirectory_takesItsGroup_andNewDirectoriesStaySetgid() {
        AttrMsg d = ns.mkdir(ROOT, "d");
        ok(ns.chmod(d.getInode(), 02777)); // alice:100
        Fixture bob = ns.as(Fixture.BOB);
        AttrMsg sub = ok(bob.tryCreate(d.getInode(), "sub", FileType.DIRECTORY, 0755));
        assertEquals(100, sub.getGid());
        assertEquals(02755, sub.getMode());
        AttrMsg f = ok(bob.tryCreate(d.getInode(), "f", FileType.REGULAR, 02755));
        assertEquals(100, f.getGid());
        assertEquals(0755, f.getMode(), "bob is not in group 100: no set-gid executable for him");
        AttrMsg g = ok(ns.as(Fixture.CAROL).tryCreate(d.getInode(), "g", FileType.REGULAR, 02755));
        assertEquals(02755, g.getMode());
        AttrMsg plain = ok(bob.tryCreate(sub.getInode(), "plain", FileType.REGULAR, 0644));
        assertEquals(100, plain.getGid(), "inherited through the set-gid subdirectory");
    }

    @Test
    void mkdir_keepsOnlyPermissionsAndSticky() {
        assertEquals(01777, ok(ns.tryCreate(ROOT, "d", FileType.DIRECTORY, 07777)).getMode());
        assertEquals(06755, ok(ns.tryCreate(ROOT, "f", FileType.REGULAR, 06755)).getMode());
    }

    @Test
    void symlink_targetOf4095Bytes_isFine_longerIsEnametoolong() {
        ok(ns.tryCreate(CreateReq.newBuilder().setParent(ROOT).setName(bytes("ok"))
                .setType(FileType.SYMLINK.ordinal()).setSymlinkTarget("t".repeat(4095))));
        assertErrno(Errno.ENAMETOOLONG, ns.tryCreate(CreateReq.newBuilder().setParent(ROOT).setName(bytes("long"))
                .setType(FileType.SYMLINK.ordinal()).setSymlinkTarget("t".repeat(4096))));
        assertErrno(Errno.ENOENT, ns.lookup(ROOT, "long"));
    }

    private MetaResponse tmpfile(Fixture who, long dir, boolean exclusive) {
        return who.tryCreate(CreateReq.newBuilder().setParent(dir).setType(FileType.REGULAR.ordinal()).setMode(0600)
                .setTmpfile(true).setExclusive(exclusive));
    }

    @Test
    void tmpfile_isAnOrphanWithoutAName_andLeavesTheDirectoryAlone() throws Exception {
        AttrMsg d = ns.mkdir(ROOT, "d");
        long inodes = ns.store.get(Schema.INODE_COUNT).orElseThrow();
        AttrMsg t = ok(tmpfile(ns, d.getInode(), false));
        assertEquals(0, t.getNlink());
        assertEquals(0600, t.getMode());
        assertEquals(1000, t.getUid());
        InodeId id = new InodeId(t.getInode());
        assertTrue(ns.store.get(Schema.INODE, id).orElseThrow().linkable());
        assertEquals(Protos.fromMsg(Fixture.LAYOUT), ns.store.get(Schema.ORPHAN, id).orElseThrow());
        assertEquals(d, ns.attr(d.getInode()), "no entry, no new mtime");
        assertEquals(inodes + 1, ns.store.get(Schema.INODE_COUNT).orElseThrow());
        assertFalse(ns.store.get(Schema.INODE, new InodeId(ok(tmpfile(ns, d.getInode(), true)).getInode()))
                .orElseThrow().linkable(), "O_EXCL");
    }

    @Test
    void tmpfile_needsWriteAndSearchPermission_andADirectory() {
        AttrMsg d = ns.mkdir(ROOT, "d");
        assertErrno(Errno.EACCES, tmpfile(ns.as(Fixture.BOB), d.getInode(), false));
        AttrMsg f = ns.file(ROOT, "f");
        assertErrno(Errno.ENOTDIR, tmpfile(ns, f.getInode(), false));
        assertErrno(Errno.EINVAL, ns.tryCreate(CreateReq.newBuilder().setParent(d.getInode())
                .setType(FileType.DIRECTORY.ordinal()).setMode(0700).setTmpfile(true)));
    }
}
