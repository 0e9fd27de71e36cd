package io.mnemo.meta.ops;

import static io.mnemo.meta.ops.Fixture.ALICE;
import static io.mnemo.meta.ops.Fixture.BOB;
import static io.mnemo.meta.ops.Fixture.CAROL;
import static io.mnemo.meta.ops.Fixture.ROOT;
import static io.mnemo.meta.ops.Fixture.SUPERUSER;
import static io.mnemo.meta.ops.Fixture.assertErrno;
import static io.mnemo.meta.ops.Fixture.bytes;
import static io.mnemo.meta.ops.Fixture.ok;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mnemo.core.error.Errno;
import io.mnemo.core.model.FileType;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.proto.AttrMsg;
import io.mnemo.core.proto.Caller;
import io.mnemo.core.proto.CreateReq;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.core.proto.SetattrReq;
import io.mnemo.meta.store.Schema;
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
        AttrMsg a = ok(ns.as(Fixture.SUPERUSER).setattr(req().setHasUid(true).setUid(7)));
        assertEquals(7, a.getUid());
        assertEquals(100, a.getGid());
        AttrMsg b = ok(ns.as(Fixture.SUPERUSER).setattr(req().setHasGid(true).setGid(8)));
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
    void readAccess_setsAtimeAlone_forAnyCaller() throws Exception {
        ok(ns.chmod(f.getInode(), 0600));
        AttrMsg before = ns.attr(f.getInode());
        AttrMsg read = ok(ns.as(BOB).setattr(req().setReadAccess(true).setHasMode(true).setMode(0777)));
        assertEquals(ns.now(), read.getAtimeNs());
        assertEquals(before.toBuilder().setAtimeNs(ns.now()).build(), read, "only atime changes, not ctime nor the mode");
        assertEquals(read, ns.attr(f.getInode()));
    }

    @Test
    void readAccess_ofManyFiles_isOneCommand_skippingThoseGone() throws Exception {
        AttrMsg g = ns.file(ROOT, "g");
        AttrMsg gBefore = ns.attr(g.getInode());
        long missing = g.getInode() + 1000;
        ok(ns.as(BOB).setattr(req().setReadAccess(true).addAlsoRead(g.getInode()).addAlsoRead(missing)));
        long t = ns.now();
        assertEquals(t, ns.attr(f.getInode()).getAtimeNs());
        assertEquals(gBefore.toBuilder().setAtimeNs(t).build(), ns.attr(g.getInode()), "atime alone");
        assertErrno(Errno.ENOENT, ns.getattr(missing));
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

    // ---------------------------------------------------------------- who may do what

    private MetaResponse chmodAs(Caller who, int mode) {
        return ns.as(who).chmod(f.getInode(), mode);
    }

    @Test
    void chmod_byAnotherUser_isEperm_andChangesNothing() throws Exception {
        AttrMsg before = ns.attr(f.getInode());
        assertErrno(Errno.EPERM, chmodAs(BOB, 0777));
        assertErrno(Errno.EPERM, chmodAs(CAROL, 0644), "even to the same mode");
        assertEquals(before, ns.attr(f.getInode()));
        assertEquals(0600, ok(chmodAs(SUPERUSER, 0600)).getMode());
    }

    @Test
    void chmod_dropsSetgid_whenTheCallerIsOutsideTheGroup() {
        ok(ns.as(SUPERUSER).chown(f.getInode(), 1001, 100)); // bob's file, alice's group
        assertEquals(0755, ok(chmodAs(BOB, 02755)).getMode());
        assertEquals(04755, ok(chmodAs(BOB, 04755)).getMode(), "set-uid is the owner's to give");
        ok(ns.as(SUPERUSER).chown(f.getInode(), 1001, 1001));
        assertEquals(02755, ok(chmodAs(BOB, 02755)).getMode());
        ok(ns.as(SUPERUSER).chown(f.getInode(), 1002, 100));
        assertEquals(02755, ok(chmodAs(CAROL, 02755)).getMode(), "100 is one of carol's supplementary groups");
        ok(ns.as(SUPERUSER).chown(f.getInode(), 1002, 5));
        assertEquals(02755, ok(chmodAs(SUPERUSER, 02755)).getMode());
        AttrMsg d = ns.mkdir(ROOT, "d");
        ok(ns.as(SUPERUSER).chown(d.getInode(), 1001, 100));
        assertEquals(0775, ok(ns.as(BOB).chmod(d.getInode(), 02775)).getMode(), "directories too");
    }

    @Test
    void chmod_thatOnlyClearsSetIdBits_isAllowedToAWriter_asTheKernelSendsItOnWrites() {
        ok(ns.chmod(f.getInode(), 06777));
        assertErrno(Errno.EPERM, chmodAs(BOB, 06776), "any other change stays the owner's");
        assertEquals(0777, ok(chmodAs(BOB, 0777)).getMode());
        ok(ns.chmod(f.getInode(), 04755));
        assertErrno(Errno.EPERM, chmodAs(BOB, 0755), "bob may not write the file");
    }

    @Test
    void chown_ofTheOwner_byAnybodyButRoot_isEperm() {
        assertErrno(Errno.EPERM, ns.chown(f.getInode(), 1001, -1));
        assertErrno(Errno.EPERM, ns.as(BOB).chown(f.getInode(), 1001, -1));
        ok(ns.chown(f.getInode(), 1000, -1)); // to itself: allowed
        assertEquals(1001, ok(ns.as(SUPERUSER).chown(f.getInode(), 1001, -1)).getUid());
    }

    @Test
    void chgrp_byTheOwner_toItsOwnGroupsOnly() {
        ok(ns.as(SUPERUSER).chown(f.getInode(), 1002, 1002)); // carol's
        assertEquals(100, ok(ns.as(CAROL).chown(f.getInode(), -1, 100)).getGid());
        assertEquals(7, ok(ns.as(CAROL).chown(f.getInode(), 1002, 7)).getGid());
        assertErrno(Errno.EPERM, ns.as(CAROL).chown(f.getInode(), -1, 1001));
        assertErrno(Errno.EPERM, ns.as(ALICE).chown(f.getInode(), -1, 100), "alice is in the group, not the owner");
        ok(ns.as(BOB).chown(f.getInode(), -1, -1)); // no change asked: nothing to check, nothing changes
    }

    @Test
    void chown_dropsSetIdBits_ofFiles_notOfDirectories_andNotWithoutAChange() throws Exception {
        ok(ns.chmod(f.getInode(), 06555));
        ok(ns.chown(f.getInode(), -1, -1));
        assertEquals(06555, ns.attr(f.getInode()).getMode());
        assertEquals(0555, ok(ns.chown(f.getInode(), -1, 100)).getMode());
        ok(ns.chmod(f.getInode(), 06555));
        assertEquals(0555, ok(ns.as(SUPERUSER).chown(f.getInode(), 5, 6)).getMode(), "root's chown too");
        ok(ns.as(SUPERUSER).chmod(f.getInode(), 06545));
        assertEquals(02545, ok(ns.as(SUPERUSER).chown(f.getInode(), 7, 6)).getMode(),
                "set-gid without group execution survives root");
        AttrMsg d = ns.mkdir(ROOT, "d");
        ok(ns.chmod(d.getInode(), 06755));
        assertEquals(06755, ok(ns.chown(d.getInode(), -1, 100)).getMode());
    }

    @Test
    void truncate_needsWritePermission_andDropsSetIdBits_unlessByRoot() {
        ok(ns.chmod(f.getInode(), 06777));
        assertEquals(06777, ok(ns.as(SUPERUSER).setattr(req().setHasSize(true).setSize(5))).getMode());
        AttrMsg a = ok(ns.as(BOB).setattr(req().setHasSize(true).setSize(3)));
        assertEquals(3, a.getSize());
        assertEquals(0777, a.getMode());
        ok(ns.chmod(f.getInode(), 0644));
        assertErrno(Errno.EACCES, ns.as(BOB).setattr(req().setHasSize(true).setSize(0)));
        ok(ns.chmod(f.getInode(), 0444));
        assertErrno(Errno.EACCES, ns.setattr(req().setHasSize(true).setSize(0)), "not even its owner");
        ok(ns.as(SUPERUSER).setattr(req().setHasSize(true).setSize(0)));
    }

    @Test
    void truncateThroughAHandle_needsNoWritePermission() throws Exception {
        ok(ns.chmod(f.getInode(), 0444));
        assertEquals(7, ok(ns.setattr(req().setHasSize(true).setSize(7).setSizeThroughHandle(true))).getSize());
    }

    @Test
    void killSuidgid_dropsTheSetIdBitsAsAWriteWould_andChangesNothingElse() throws Exception {
        ok(ns.chmod(f.getInode(), 06755));
        AttrMsg before = ns.attr(f.getInode());
        AttrMsg a = ok(ns.as(BOB).setattr(req().setKillSuidgid(true).setHasSize(true).setSize(1)));
        assertEquals(0755, a.getMode(), "S_ISUID, and S_ISGID as the group may execute");
        assertEquals(before.toBuilder().setMode(0755).setCtimeNs(ns.now()).build(), a, "not the size: only the bits");
        ok(ns.chmod(f.getInode(), 02745));
        assertEquals(02745, ok(ns.as(BOB).setattr(req().setKillSuidgid(true))).getMode(),
                "no group execute: S_ISGID stays");
        assertEquals(02745, ok(ns.as(SUPERUSER).setattr(req().setKillSuidgid(true))).getMode());
    }

    @Test
    void utimens_explicitTimesNeedTheOwner_nowNeedsOwnerOrWritePermission() throws Exception {
        ok(ns.chmod(f.getInode(), 0646));
        assertErrno(Errno.EPERM, ns.as(BOB).setattr(req().setHasAtime(true).setAtimeNs(1).setHasMtime(true)
                .setMtimeNs(2)));
        assertErrno(Errno.EPERM, ns.as(BOB).setattr(req().setHasAtime(true).setAtimeNow(true).setHasMtime(true)
                .setMtimeNs(2)), "one explicit time is enough to need the owner");
        AttrMsg touched = ok(ns.as(BOB).setattr(req().setHasAtime(true).setAtimeNow(true).setHasMtime(true)
                .setMtimeNow(true)));
        assertEquals(ns.now(), touched.getMtimeNs());
        assertEquals(ns.now(), touched.getCtimeNs());
        ok(ns.chmod(f.getInode(), 0644));
        assertErrno(Errno.EACCES, ns.as(BOB).setattr(req().setHasAtime(true).setAtimeNow(true).setHasMtime(true)
                .setMtimeNow(true)));
        ok(ns.as(BOB).setattr(req().setHasMtime(true).setMtimeNow(true)), "one time set to now: no check, as Linux");
        ok(ns.setattr(req().setHasAtime(true).setAtimeNs(1).setHasMtime(true).setMtimeNs(2)));
        ok(ns.as(SUPERUSER).setattr(req().setHasAtime(true).setAtimeNs(3)));
        ok(ns.chmod(f.getInode(), 0));
        ok(ns.setattr(req().setHasAtime(true).setAtimeNow(true).setHasMtime(true).setMtimeNow(true)),
                "the owner may touch without permission bits");
    }

    @Test
    void setattr_ofUnlinkedButOpenFile_works() {
        ok(ns.unlink(ROOT, "f"));
        AttrMsg a = ok(ns.setattr(req().setHasSize(true).setSize(9)));
        assertEquals(9, a.getSize());
        assertEquals(0, a.getNlink());
    }

    static byte[] contents(MetaResponse r) {
        assertTrue(r.hasInline(), "inline contents");
        return r.getInline().getData().toByteArray();
    }

    @Test
    void truncate_ofAnInlineFile_cutsOrZeroExtendsItsContents_andItStaysInline() throws Exception {
        ok(ns.writeInline(f.getInode(), new byte[] {1, 2, 3, 4, 5}));
        AttrMsg a = ok(ns.setattr(req().setHasSize(true).setSize(2)));
        assertEquals(2, a.getSize());
        assertEquals(ns.now(), a.getMtimeNs());
        assertArrayEquals(new byte[] {1, 2}, contents(ns.open(f.getInode(), 0)));
        ok(ns.setattr(req().setHasSize(true).setSize(6)));
        assertArrayEquals(new byte[] {1, 2, 0, 0, 0, 0}, contents(ns.open(f.getInode(), 0)));
        ok(ns.setattr(req().setHasSize(true).setSize(WriteInlineOpTest.LIMIT)));
        assertEquals(WriteInlineOpTest.LIMIT, contents(ns.open(f.getInode(), 0)).length);
        ok(ns.setattr(req().setHasSize(true).setSize(0)));
        assertEquals(0, contents(ns.open(f.getInode(), 0)).length);
        assertTrue(ns.store.get(Schema.INLINE, new InodeId(f.getInode())).isEmpty());
    }

    @Test
    void truncate_ofAnInlineFile_beyondTheThreshold_isEfbig_andChangesNothing() throws Exception {
        ok(ns.writeInline(f.getInode(), new byte[] {1, 2, 3}));
        AttrMsg before = ns.attr(f.getInode());
        assertErrno(Errno.EFBIG, ns.setattr(req().setHasSize(true).setSize(WriteInlineOpTest.LIMIT + 1)
                .setHasMode(true).setMode(0600)));
        assertErrno(Errno.EFBIG, ns.setattr(req().setHasSize(true).setSize(-1L)), "a u64 past 2^63");
        assertEquals(before, ns.attr(f.getInode()));
        assertArrayEquals(new byte[] {1, 2, 3}, contents(ns.open(f.getInode(), 0)));
        // The client moves the file to chunks first; then any size goes.
        ok(ns.commitMovedToChunks(f.getInode(), 3));
        assertEquals(5L << 30, ok(ns.setattr(req().setHasSize(true).setSize(5L << 30))).getSize());
        assertFalse(ns.open(f.getInode(), 0).hasInline());
    }

    @Test
    void truncate_ofAnInlineFile_stillNeedsWritePermission() throws Exception {
        ok(ns.writeInline(f.getInode(), new byte[] {1, 2, 3}));
        assertErrno(Errno.EACCES, ns.as(Fixture.BOB).setattr(req().setHasSize(true).setSize(1)));
        assertArrayEquals(new byte[] {1, 2, 3}, contents(ns.open(f.getInode(), 0)));
    }
}
