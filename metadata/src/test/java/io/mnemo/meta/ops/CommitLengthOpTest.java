package io.mnemo.meta.ops;

import static io.mnemo.meta.ops.Fixture.ROOT;
import static io.mnemo.meta.ops.Fixture.assertErrno;
import static io.mnemo.meta.ops.Fixture.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mnemo.core.error.Errno;
import io.mnemo.core.model.FileType;
import io.mnemo.core.proto.AttrMsg;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommitLengthOpTest {
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

    @Test
    void commit_growsTheFile_withoutTouchingTimes() throws Exception {
        AttrMsg a = ok(ns.commitLength(f.getInode(), 5 << 20, false));
        assertEquals(5 << 20, a.getSize());
        assertEquals(f.getMtimeNs(), a.getMtimeNs());
        assertEquals(f.getCtimeNs(), a.getCtimeNs());
        assertEquals(a, ns.attr(f.getInode()));
    }

    @Test
    void commit_neverShrinks() {
        ok(ns.commitLength(f.getInode(), 100, false));
        assertEquals(100, ok(ns.commitLength(f.getInode(), 50, false)).getSize());
    }

    @Test
    void commit_withTouch_setsMtimeAndCtime() {
        AttrMsg a = ok(ns.commitLength(f.getInode(), 0, true));
        assertEquals(0, a.getSize());
        assertEquals(ns.now(), a.getMtimeNs());
        assertEquals(ns.now(), a.getCtimeNs());
        assertEquals(f.getAtimeNs(), a.getAtimeNs());
    }

    @Test
    void commit_ofDirectory_isEisdir_ofFifo_isEinval_ofMissing_isEnoent() {
        assertErrno(Errno.EISDIR, ns.commitLength(ROOT, 1, false));
        AttrMsg p = ok(ns.tryCreate(ROOT, "p", FileType.FIFO, 0644));
        assertErrno(Errno.EINVAL, ns.commitLength(p.getInode(), 1, false));
        assertErrno(Errno.ENOENT, ns.commitLength(31337, 1, false));
    }

    @Test
    void commit_ofAWrite_byAnybodyButRoot_dropsSetuid_andGroupExecutableSetgid() throws Exception {
        ok(ns.chmod(f.getInode(), 06777));
        assertEquals(06777, ok(ns.as(Fixture.SUPERUSER).commitLength(f.getInode(), 10, true)).getMode());
        assertEquals(06777, ok(ns.as(Fixture.BOB).commitLength(f.getInode(), 20, false)).getMode(),
                "no write, no change");
        AttrMsg a = ok(ns.as(Fixture.BOB).commitLength(f.getInode(), 30, true));
        assertEquals(0777, a.getMode());
        assertEquals(ns.now(), a.getCtimeNs());
        ok(ns.chmod(f.getInode(), 06747));
        assertEquals(02747, ok(ns.commitLength(f.getInode(), 30, true)).getMode(), "the owner's writes too");
    }

    @Test
    void commit_ofUnlinkedButOpenFile_works() {
        ok(ns.unlink(ROOT, "f"));
        AttrMsg a = ok(ns.commitLength(f.getInode(), 4096, true));
        assertEquals(4096, a.getSize());
        assertEquals(0, a.getNlink());
    }
}
