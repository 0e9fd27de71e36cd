package io.mnemo.meta.ops;

import static io.mnemo.meta.ops.Fixture.ALICE;
import static io.mnemo.meta.ops.Fixture.BOB;
import static io.mnemo.meta.ops.Fixture.CAROL;
import static io.mnemo.meta.ops.Fixture.ROOT;
import static io.mnemo.meta.ops.Fixture.SUPERUSER;
import static io.mnemo.meta.ops.Fixture.assertErrno;
import static io.mnemo.meta.ops.Fixture.ok;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.proto.AccessReq;
import io.mnemo.core.proto.AttrMsg;
import io.mnemo.core.proto.Caller;
import io.mnemo.core.proto.MetaResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessOpTest {
    static final int R = 4;
    static final int W = 2;
    static final int X = 1;

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

    private MetaResponse access(Caller who, long inode, int mask) {
        try {
            return AccessOp.run(ns.store, who, AccessReq.newBuilder().setInode(inode).setMask(mask).build());
        } catch (FsException e) {
            return Replies.error(e);
        }
    }

    @Test
    void access_checksTheCallersClass() {
        AttrMsg f = ns.file(ROOT, "f"); // alice:100
        ok(ns.chmod(f.getInode(), 0640));
        ok(access(ALICE, f.getInode(), R | W));
        assertErrno(Errno.EACCES, access(ALICE, f.getInode(), X));
        ok(access(CAROL, f.getInode(), R));
        assertErrno(Errno.EACCES, access(CAROL, f.getInode(), R | W));
        assertErrno(Errno.EACCES, access(BOB, f.getInode(), R));
        ok(access(BOB, f.getInode(), 0));
    }

    @Test
    void access_byRoot_readsAndWritesAlways_executesOnlyWithAnXBit() {
        AttrMsg f = ns.file(ROOT, "f");
        ok(ns.chmod(f.getInode(), 0));
        ok(access(SUPERUSER, f.getInode(), R | W));
        assertErrno(Errno.EACCES, access(SUPERUSER, f.getInode(), X));
        ok(ns.chmod(f.getInode(), 0010));
        ok(access(SUPERUSER, f.getInode(), R | W | X));
        AttrMsg d = ns.mkdir(ROOT, "d");
        ok(ns.chmod(d.getInode(), 0));
        ok(access(SUPERUSER, d.getInode(), X));
    }

    @Test
    void access_ofMissingInode_isEnoent_andBadMask_isEinval() {
        assertErrno(Errno.ENOENT, access(ALICE, 999, 0));
        assertErrno(Errno.EINVAL, access(ALICE, ROOT, 8));
    }
}
