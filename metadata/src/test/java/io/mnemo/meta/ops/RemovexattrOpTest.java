package io.mnemo.meta.ops;

import static io.mnemo.meta.ops.Fixture.BOB;
import static io.mnemo.meta.ops.Fixture.ROOT;
import static io.mnemo.meta.ops.Fixture.SUPERUSER;
import static io.mnemo.meta.ops.Fixture.assertErrno;
import static io.mnemo.meta.ops.Fixture.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.mnemo.core.error.Errno;
import io.mnemo.core.proto.AttrMsg;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RemovexattrOpTest {
    @TempDir
    Path dir;
    Fixture ns;
    AttrMsg f;

    @BeforeEach
    void format() throws Exception {
        ns = Fixture.format(dir);
        f = ns.file(ROOT, "f"); // alice:100, 0644
    }

    @AfterEach
    void close() {
        ns.close();
    }

    @Test
    void removexattr_removesOneName_andSetsCtime() throws Exception {
        ok(ns.setxattr(f.getInode(), "user.a", "1", 0));
        ok(ns.setxattr(f.getInode(), "user.b", "2", 0));
        ok(ns.removexattr(f.getInode(), "user.a"));
        assertEquals(ns.now(), ns.attr(f.getInode()).getCtimeNs());
        assertErrno(Errno.ENODATA, ns.getxattr(f.getInode(), "user.a"));
        assertEquals(List.of("user.b"), ns.listxattr(f.getInode()).getXattr().getNamesList());
    }

    @Test
    void removexattr_ofAMissingName_isEnodata_andOfBadNames_fails() {
        assertErrno(Errno.ENODATA, ns.removexattr(f.getInode(), "user.none"));
        assertErrno(Errno.ENOTSUP, ns.removexattr(f.getInode(), "none"));
        assertErrno(Errno.ERANGE, ns.removexattr(f.getInode(), ""));
        assertErrno(Errno.ENOENT, ns.removexattr(999, "user.a"));
    }

    @Test
    void removexattr_needsWhatSetxattrNeeds() {
        ok(ns.setxattr(f.getInode(), "user.a", "1", 0));
        ok(ns.as(SUPERUSER).setxattr(f.getInode(), "trusted.a", "1", 0));
        assertErrno(Errno.EACCES, ns.as(BOB).removexattr(f.getInode(), "user.a"));
        assertErrno(Errno.EPERM, ns.removexattr(f.getInode(), "trusted.a"));
        ok(ns.as(SUPERUSER).removexattr(f.getInode(), "trusted.a"));
        ok(ns.chmod(f.getInode(), 0646));
        ok(ns.as(BOB).removexattr(f.getInode(), "user.a"));
    }
}
