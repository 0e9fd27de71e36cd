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

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.FileType;
import io.mnemo.core.proto.AttrMsg;
import io.mnemo.core.proto.Caller;
import io.mnemo.core.proto.CreateReq;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.core.proto.OpenReq;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OpenOpTest {
    static final int O_RDONLY = 0;
    static final int O_WRONLY = 1;
    static final int O_RDWR = 2;
    static final int O_TRUNC = 01000;
    static final int O_NOATIME = 01000000;

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

    private MetaResponse open(Caller who, long inode, int flags) {
        return open(who, OpenReq.newBuilder().setInode(inode).setFlags(flags), false);
    }

    private MetaResponse open(Caller who, OpenReq.Builder req, boolean heldAlready) {
        try {
            return OpenOp.run(ns.store, who, req.setSession(7).build(), heldAlready);
        } catch (FsException e) {
            return Replies.error(e);
        }
    }

    @Test
    void open_checksReadWriteOrBoth_forTheAccessMode_andWriteForOTrunc() {
        AttrMsg f = ns.file(ROOT, "f");
        ok(ns.chmod(f.getInode(), 0460)); // alice: r, group 100: rw
        assertEquals(f.getInode(), ok(open(ALICE, f.getInode(), O_RDONLY)).getInode());
        assertErrno(Errno.EACCES, open(ALICE, f.getInode(), O_WRONLY));
        assertErrno(Errno.EACCES, open(ALICE, f.getInode(), O_RDWR));
        assertErrno(Errno.EACCES, open(ALICE, f.getInode(), O_RDONLY | O_TRUNC));
        ok(open(CAROL, f.getInode(), O_RDWR | O_TRUNC));
        assertErrno(Errno.EACCES, open(BOB, f.getInode(), O_RDONLY));
        ok(open(SUPERUSER, f.getInode(), O_RDWR));
    }

    @Test
    void open_ofDirectory_forWriting_isEisdir_andForReading_needsRead() {
        AttrMsg d = ns.mkdir(ROOT, "d");
        ok(open(ALICE, d.getInode(), O_RDONLY));
        assertErrno(Errno.EISDIR, open(ALICE, d.getInode(), O_WRONLY));
        assertErrno(Errno.EISDIR, open(SUPERUSER, d.getInode(), O_RDWR));
        ok(ns.chmod(d.getInode(), 0300));
        assertErrno(Errno.EACCES, open(ALICE, d.getInode(), O_RDONLY));
        assertErrno(Errno.EISDIR, open(ALICE, d.getInode(), O_WRONLY), "EISDIR comes before EACCES");
    }

    @Test
    void open_ofSymlink_isEloop() {
        AttrMsg l = ok(ns.tryCreate(CreateReq.newBuilder().setParent(ROOT).setName(bytes("l"))
                .setType(FileType.SYMLINK.ordinal()).setSymlinkTarget("f")));
        assertErrno(Errno.ELOOP, open(ALICE, l.getInode(), O_RDONLY));
    }

    @Test
    void open_justCreated_grantsAnyMode_toTheOwnerOnly() {
        AttrMsg f = ok(ns.tryCreate(ROOT, "f", FileType.REGULAR, 0444));
        assertErrno(Errno.EACCES, open(ALICE, f.getInode(), O_RDWR));
        ok(open(ALICE, OpenReq.newBuilder().setInode(f.getInode()).setFlags(O_RDWR).setCreated(true), false));
        assertErrno(Errno.EACCES, open(BOB, OpenReq.newBuilder().setInode(f.getInode()).setFlags(O_RDWR)
                .setCreated(true), false));
    }

    @Test
    void open_withNoatime_needsTheOwner() {
        AttrMsg f = ns.file(ROOT, "f");
        ok(ns.chmod(f.getInode(), 0666));
        ok(open(ALICE, f.getInode(), O_RDONLY | O_NOATIME));
        assertErrno(Errno.EPERM, open(BOB, f.getInode(), O_RDONLY | O_NOATIME));
    }

    @Test
    void open_ofDeletedFile_onlyForASessionHoldingItAlready() {
        AttrMsg f = ns.file(ROOT, "f");
        ok(ns.unlink(ROOT, "f"));
        assertErrno(Errno.ENOENT, open(ALICE, f.getInode(), O_RDONLY));
        assertEquals(0, ok(open(ALICE, OpenReq.newBuilder().setInode(f.getInode()), true)).getNlink());
        assertErrno(Errno.ENOENT, open(ALICE, 999, O_RDONLY));
    }

    @Test
    void open_ofAnInlineFile_carriesItsContents_inEveryAccessMode_onlyOnceAllowed() {
        AttrMsg f = ns.file(ROOT, "f");
        ok(ns.writeInline(f.getInode(), new byte[] {4, 2}));
        for (int flags : new int[] {O_RDONLY, O_WRONLY, O_RDWR, O_WRONLY | O_TRUNC}) {
            MetaResponse r = open(ALICE, f.getInode(), flags);
            assertArrayEquals(new byte[] {4, 2}, r.getInline().getData().toByteArray(), "flags " + flags);
        }
        ok(ns.chmod(f.getInode(), 0600));
        MetaResponse refused = open(BOB, f.getInode(), O_RDONLY);
        assertErrno(Errno.EACCES, refused);
        assertFalse(refused.hasInline());
        assertFalse(open(ALICE, ROOT, O_RDONLY).hasInline());
    }
}
