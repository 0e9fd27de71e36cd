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

class ListxattrOpTest {
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
    void listxattr_namesEveryAttributeInOrder_hidingTrustedOnesFromAllButRoot_withoutPermissionChecks()
            throws Exception {
        AttrMsg f = ns.file(ROOT, "f");
        AttrMsg neighbour = ns.file(ROOT, "g"); // the next inode's attributes must not leak
        ok(ns.setxattr(neighbour.getInode(), "user.other", "x", 0));
        assertEquals(List.of(), ns.listxattr(f.getInode()).getXattr().getNamesList());
        ok(ns.setxattr(f.getInode(), "user.b", "1", 0));
        ok(ns.setxattr(f.getInode(), "user.a", "2", 0));
        ok(ns.as(SUPERUSER).setxattr(f.getInode(), "trusted.t", "3", 0));
        ok(ns.as(SUPERUSER).setxattr(f.getInode(), "security.s", "4", 0));
        assertEquals(List.of("security.s", "trusted.t", "user.a", "user.b"),
                ns.as(SUPERUSER).listxattr(f.getInode()).getXattr().getNamesList());
        ok(ns.chmod(f.getInode(), 0));
        assertEquals(List.of("security.s", "user.a", "user.b"),
                ns.as(BOB).listxattr(f.getInode()).getXattr().getNamesList());
        assertErrno(Errno.ENOENT, ns.listxattr(999));
    }
}
