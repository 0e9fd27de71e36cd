package io.mnemo.meta.ops;

import static io.mnemo.meta.ops.Fixture.BOB;
import static io.mnemo.meta.ops.Fixture.CAROL;
import static io.mnemo.meta.ops.Fixture.ROOT;
import static io.mnemo.meta.ops.Fixture.SUPERUSER;
import static io.mnemo.meta.ops.Fixture.assertErrno;
import static io.mnemo.meta.ops.Fixture.ok;
import static io.mnemo.meta.ops.SetxattrOpTest.value;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mnemo.core.error.Errno;
import io.mnemo.core.model.FileType;
import io.mnemo.core.proto.AttrMsg;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GetxattrOpTest {
    @TempDir
    Path dir;
    Fixture ns;
    AttrMsg f;

    @BeforeEach
    void format() throws Exception {
        ns = Fixture.format(dir);
        f = ns.file(ROOT, "f"); // alice:100, 0644
        ok(ns.setxattr(f.getInode(), "user.a", "1", 0));
        ok(ns.as(SUPERUSER).setxattr(f.getInode(), "trusted.t", "2", 0));
        ok(ns.as(SUPERUSER).setxattr(f.getInode(), "security.s", "3", 0));
    }

    @AfterEach
    void close() {
        ns.close();
    }

    @Test
    void getxattr_answersTheValue_orEnodata() {
        assertEquals("1", value(ns, f.getInode(), "user.a"));
        assertErrno(Errno.ENODATA, ns.getxattr(f.getInode(), "user.b"));
        assertErrno(Errno.ENOTSUP, ns.getxattr(f.getInode(), "x.a"));
        assertErrno(Errno.ERANGE, ns.getxattr(f.getInode(), "user." + "n".repeat(251)));
        assertErrno(Errno.ENOENT, ns.getxattr(999, "user.a"));
    }

    @Test
    void userAttributes_needReadPermission() {
        assertEquals("1", value(ns.as(BOB), f.getInode(), "user.a"));
        ok(ns.chmod(f.getInode(), 0640));
        assertErrno(Errno.EACCES, ns.as(BOB).getxattr(f.getInode(), "user.a"));
        assertEquals("1", value(ns.as(CAROL), f.getInode(), "user.a"));
        ok(ns.chmod(f.getInode(), 0));
        assertEquals("1", value(ns.as(SUPERUSER), f.getInode(), "user.a"));
        assertErrno(Errno.EACCES, ns.getxattr(f.getInode(), "user.a"));
        assertEquals("3", value(ns.as(BOB), f.getInode(), "security.s"), "security.* needs no permission to read");
    }

    @Test
    void trustedAttributes_areInvisibleToAnybodyButRoot() {
        assertEquals("2", value(ns.as(SUPERUSER), f.getInode(), "trusted.t"));
        assertErrno(Errno.ENODATA, ns.getxattr(f.getInode(), "trusted.t"));
    }

    @Test
    void userAttributes_ofOtherTypes_doNotExist() {
        AttrMsg p = ok(ns.tryCreate(ROOT, "p", FileType.FIFO, 0666));
        assertErrno(Errno.ENODATA, ns.getxattr(p.getInode(), "user.a"));
    }
}
