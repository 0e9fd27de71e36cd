package io.mnemo.meta.ops;

import static io.mnemo.meta.ops.Fixture.BOB;
import static io.mnemo.meta.ops.Fixture.CAROL;
import static io.mnemo.meta.ops.Fixture.ROOT;
import static io.mnemo.meta.ops.Fixture.SUPERUSER;
import static io.mnemo.meta.ops.Fixture.assertErrno;
import static io.mnemo.meta.ops.Fixture.bytes;
import static io.mnemo.meta.ops.Fixture.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import io.mnemo.core.error.Errno;
import io.mnemo.core.model.FileType;
import io.mnemo.core.proto.AttrMsg;
import io.mnemo.core.proto.CreateReq;
import io.mnemo.core.proto.MetaCommand;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.core.proto.SetxattrReq;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SetxattrOpTest {
    static final int CREATE = 1;
    static final int REPLACE = 2;

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

    static String value(Fixture who, long inode, String name) {
        MetaResponse r = who.getxattr(inode, name);
        ok(r);
        return r.getXattr().getValue().toStringUtf8();
    }

    @Test
    void setxattr_storesTheValue_replacesIt_andSetsCtime() throws Exception {
        ok(ns.setxattr(f.getInode(), "user.color", "red", 0));
        assertEquals(ns.now(), ns.attr(f.getInode()).getCtimeNs());
        assertEquals("red", value(ns, f.getInode(), "user.color"));
        ok(ns.setxattr(f.getInode(), "user.color", "blue", 0));
        assertEquals("blue", value(ns, f.getInode(), "user.color"));
        ok(ns.setxattr(f.getInode(), "user.empty", "", 0));
        assertEquals("", value(ns, f.getInode(), "user.empty"));
    }

    @Test
    void create_refusesAnExistingName_replace_aMissingOne() {
        ok(ns.setxattr(f.getInode(), "user.a", "1", CREATE));
        assertErrno(Errno.EEXIST, ns.setxattr(f.getInode(), "user.a", "2", CREATE));
        assertErrno(Errno.ENODATA, ns.setxattr(f.getInode(), "user.b", "2", REPLACE));
        ok(ns.setxattr(f.getInode(), "user.a", "3", REPLACE));
        assertEquals("3", value(ns, f.getInode(), "user.a"));
        assertErrno(Errno.EINVAL, ns.setxattr(f.getInode(), "user.a", "4", 4));
    }

    @Test
    void names_needAKnownNamespace_andOneTo255Bytes() {
        assertErrno(Errno.ENOTSUP, ns.setxattr(f.getInode(), "color", "x", 0));
        assertErrno(Errno.ENOTSUP, ns.setxattr(f.getInode(), "os2.color", "x", 0));
        assertErrno(Errno.EINVAL, ns.setxattr(f.getInode(), "user.", "x", 0));
        assertErrno(Errno.ERANGE, ns.setxattr(f.getInode(), "", "x", 0));
        ok(ns.setxattr(f.getInode(), "user." + "n".repeat(250), "x", 0));
        assertErrno(Errno.ERANGE, ns.setxattr(f.getInode(), "user." + "n".repeat(251), "x", 0));
        assertErrno(Errno.ENOTSUP, ns.as(SUPERUSER).setxattr(f.getInode(), "system.posix_acl_access", "x", 0));
        ok(ns.as(SUPERUSER).setxattr(f.getInode(), "security.selinux", "x", 0));
        ok(ns.as(SUPERUSER).setxattr(f.getInode(), "trusted.t", "x", 0));
        ok(ns.setxattr(f.getInode(), "system.mnemo", "x", 0));
        assertErrno(Errno.ENOENT, ns.setxattr(999, "user.a", "x", 0));
    }

    @Test
    void values_ofAt64KiB_fit_longerAreErange_forWantOfE2big() {
        ByteString max = ByteString.copyFrom(new byte[65536]);
        ok(ns.apply(MetaCommand.newBuilder().setSetxattr(SetxattrReq.newBuilder().setInode(f.getInode())
                .setName("user.big").setValue(max))));
        assertErrno(Errno.ERANGE, ns.apply(MetaCommand.newBuilder().setSetxattr(SetxattrReq.newBuilder()
                .setInode(f.getInode()).setName("user.big").setValue(max.concat(ByteString.copyFromUtf8("x"))))));
    }

    @Test
    void anInode_holdsAtMost64KiBOfNames_and1MiBOfValues() {
        String pad = "n".repeat(240);
        int fit = 65536 / ("user.".length() + 3 + pad.length() + 1);
        for (int i = 0; i < fit; i++) {
            ok(ns.setxattr(f.getInode(), String.format("user.%03d%s", i, pad), "", 0));
        }
        assertErrno(Errno.ENOSPC, ns.setxattr(f.getInode(), String.format("user.%03d%s", fit, pad), "", 0));
        ok(ns.setxattr(f.getInode(), String.format("user.%03d%s", 0, pad), "replacing needs no more room", 0));

        AttrMsg g = ns.file(ROOT, "g");
        ByteString value = ByteString.copyFrom(new byte[65536]);
        for (int i = 0; i < 16; i++) {
            ok(ns.apply(MetaCommand.newBuilder().setSetxattr(SetxattrReq.newBuilder().setInode(g.getInode())
                    .setName("user.v" + i).setValue(value))));
        }
        assertErrno(Errno.ENOSPC, ns.apply(MetaCommand.newBuilder().setSetxattr(SetxattrReq.newBuilder()
                .setInode(g.getInode()).setName("user.v16").setValue(ByteString.copyFromUtf8("x")))));
    }

    @Test
    void userAttributes_needWritePermission_onRegularFilesAndDirectoriesOnly() {
        assertErrno(Errno.EACCES, ns.as(BOB).setxattr(f.getInode(), "user.a", "x", 0));
        ok(ns.chmod(f.getInode(), 0664));
        ok(ns.as(CAROL).setxattr(f.getInode(), "user.a", "x", 0));
        ok(ns.as(SUPERUSER).setxattr(f.getInode(), "user.b", "x", 0));
        AttrMsg l = ok(ns.tryCreate(CreateReq.newBuilder().setParent(ROOT).setName(bytes("l"))
                .setType(FileType.SYMLINK.ordinal()).setSymlinkTarget("f")));
        assertErrno(Errno.EPERM, ns.setxattr(l.getInode(), "user.a", "x", 0));
        AttrMsg p = ok(ns.tryCreate(ROOT, "p", FileType.FIFO, 0666));
        assertErrno(Errno.EPERM, ns.as(SUPERUSER).setxattr(p.getInode(), "user.a", "x", 0));
        ok(ns.as(SUPERUSER).setxattr(p.getInode(), "trusted.a", "x", 0));
        AttrMsg d = ns.mkdir(ROOT, "d");
        ok(ns.setxattr(d.getInode(), "user.mnemo.layout", "stripe=4", 0));
    }

    @Test
    void stickyDirectories_takeUserAttributes_fromTheirOwnerOnly() {
        AttrMsg tmp = ns.mkdir(ROOT, "tmp");
        ok(ns.chmod(tmp.getInode(), 01777));
        assertErrno(Errno.EPERM, ns.as(BOB).setxattr(tmp.getInode(), "user.a", "x", 0));
        ok(ns.setxattr(tmp.getInode(), "user.a", "x", 0));
    }

    @Test
    void trustedAndSecurityAttributes_areRootsToWrite_systemAttributesTheOwners() {
        ok(ns.chmod(f.getInode(), 0666));
        assertErrno(Errno.EPERM, ns.setxattr(f.getInode(), "trusted.a", "x", 0));
        assertErrno(Errno.EPERM, ns.setxattr(f.getInode(), "security.a", "x", 0));
        assertErrno(Errno.EPERM, ns.as(BOB).setxattr(f.getInode(), "system.a", "x", 0));
        ok(ns.setxattr(f.getInode(), "system.a", "x", 0));
    }

    @Test
    void aFailedSetxattr_changesNothing() throws Exception {
        AttrMsg before = ns.attr(f.getInode());
        MetaResponse r = ns.as(BOB).setxattr(f.getInode(), "user.a", "x", 0);
        assertErrno(Errno.EACCES, r);
        assertEquals(before, ns.attr(f.getInode()));
        assertErrno(Errno.ENODATA, ns.getxattr(f.getInode(), "user.a"));
    }
}
