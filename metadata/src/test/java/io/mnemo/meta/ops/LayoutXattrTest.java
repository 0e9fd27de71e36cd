package io.mnemo.meta.ops;

import static io.mnemo.meta.ops.Fixture.BOB;
import static io.mnemo.meta.ops.Fixture.ROOT;
import static io.mnemo.meta.ops.Fixture.SUPERUSER;
import static io.mnemo.meta.ops.Fixture.assertErrno;
import static io.mnemo.meta.ops.Fixture.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mnemo.core.error.Errno;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.proto.AttrMsg;
import io.mnemo.core.proto.LayoutMsg;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.meta.store.Inode;
import io.mnemo.meta.store.Schema;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code user.mnemo.layout}: directory layouts inherited by what is created below, and a file's own. */
class LayoutXattrTest {
    static final String LAYOUT = "user.mnemo.layout";

    @TempDir
    Path dir;
    Fixture ns;
    AttrMsg d;

    @BeforeEach
    void format() throws Exception {
        ns = Fixture.format(dir);
        ns.addChains(4); // chains 1..4; the fixture's default layout is 4 MiB over chains 1, 2
        d = ns.mkdir(ROOT, "d");
    }

    @AfterEach
    void close() {
        ns.close();
    }

    String get(long inode) {
        MetaResponse r = ns.getxattr(inode, LAYOUT);
        ok(r);
        return r.getXattr().getValue().toStringUtf8();
    }

    static LayoutMsg layout(int chunk, int... chains) {
        LayoutMsg.Builder b = LayoutMsg.newBuilder().setChunkSize(chunk).setStripeCount(chains.length);
        for (int c : chains) {
            b.addChains(c);
        }
        return b.build();
    }

    /** Chains 1..4 rotated to start at {@code seq mod 4}, the first {@code stripe} of them. */
    static int[] rotation(long inode, int stripe) {
        int start = (int) (new InodeId(inode).sequence() % 4);
        int[] chains = new int[stripe];
        for (int i = 0; i < stripe; i++) {
            chains[i] = (start + i) % 4 + 1;
        }
        return chains;
    }

    @Test
    void directory_storesAValidLayout_normalized_asAnOrdinaryXattr() {
        ok(ns.setxattr(d.getInode(), LAYOUT, "stripe=3 chunk_size=1M", 0));
        assertEquals("chunk_size=1048576 stripe=3", get(d.getInode()));
        assertEquals(ns.now(), ok(ns.getattr(d.getInode())).getCtimeNs());
        assertEquals(List.of(LAYOUT), ns.listxattr(d.getInode()).getXattr().getNamesList());
        assertErrno(Errno.EEXIST, ns.setxattr(d.getInode(), LAYOUT, "stripe=1", Xattrs.XATTR_CREATE));
        ok(ns.removexattr(d.getInode(), LAYOUT));
        assertErrno(Errno.ENODATA, ns.getxattr(d.getInode(), LAYOUT));
    }

    @Test
    void directory_refusesAnInvalidLayout_andKeepsWhatItHad() {
        ok(ns.setxattr(d.getInode(), LAYOUT, "chunk_size=64K", 0));
        for (String bad : List.of("chunk_size=3M", "chunk_size=32K", "chunk_size=128M", "stripe=-1", "stripes=2", "",
                "chunk_size=1M stripe=2 stripe=3")) {
            assertErrno(Errno.EINVAL, ns.setxattr(d.getInode(), LAYOUT, bad, 0), bad);
        }
        assertEquals("chunk_size=65536", get(d.getInode()));
    }

    @Test
    void directory_layout_followsTheUsualUserXattrRules() throws Exception {
        assertErrno(Errno.EACCES, ns.as(BOB).setxattr(d.getInode(), LAYOUT, "stripe=1", 0));
        ok(ns.as(SUPERUSER).setxattr(ROOT, LAYOUT, "stripe=1", 0));
        ok(ns.chmod(d.getInode(), 0777 | Permissions.S_ISVTX));
        assertErrno(Errno.EPERM, ns.as(BOB).setxattr(d.getInode(), LAYOUT, "stripe=1", 0), "sticky: owner only");
        ok(ns.chmod(d.getInode(), 0777));
        ok(ns.as(BOB).setxattr(d.getInode(), LAYOUT, "stripe=1", 0));
    }

    @Test
    void newFile_takesItsDirectorysLayout_keyByKey_overTheDefault() {
        ok(ns.setxattr(d.getInode(), LAYOUT, "chunk_size=1M stripe=3", 0));
        AttrMsg f = ns.file(d.getInode(), "f");
        assertEquals(layout(1 << 20, rotation(f.getInode(), 3)), f.getLayout());
        AttrMsg g = ns.file(d.getInode(), "g");
        assertEquals(layout(1 << 20, rotation(g.getInode(), 3)), g.getLayout(), "consecutive files rotate");
        assertTrue(ns.store.get(Schema.INODE, new InodeId(f.getInode())).orElseThrow().inline(), "still inline");

        ok(ns.setxattr(d.getInode(), LAYOUT, "chunk_size=256K", 0));
        assertEquals(layout(256 << 10, 1, 2), ns.file(d.getInode(), "h").getLayout(), "the default's stripe");
        ok(ns.setxattr(d.getInode(), LAYOUT, "stripe=0", 0));
        AttrMsg all = ns.file(d.getInode(), "all");
        assertEquals(layout(4 << 20, rotation(all.getInode(), 4)), all.getLayout(), "0: every chain, default chunk");
        ok(ns.setxattr(d.getInode(), LAYOUT, "stripe=50", 0));
        assertEquals(4, ns.file(d.getInode(), "wide").getLayout().getStripeCount(), "capped at the chains");
        assertEquals(Fixture.LAYOUT, ns.file(ROOT, "plain").getLayout(), "no layout on the root: the default");
    }

    @Test
    void newSubdirectory_copiesItsParentsLayout_andLaterChangesStayAbove() {
        ok(ns.setxattr(d.getInode(), LAYOUT, "chunk_size=2M stripe=1", 0));
        AttrMsg sub = ns.mkdir(d.getInode(), "sub");
        assertEquals("chunk_size=2097152 stripe=1", get(sub.getInode()));
        ok(ns.setxattr(d.getInode(), LAYOUT, "stripe=4", 0));
        assertEquals("chunk_size=2097152 stripe=1", get(sub.getInode()), "not affected by the parent's change");
        AttrMsg deeper = ns.mkdir(sub.getInode(), "deeper");
        AttrMsg f = ns.file(deeper.getInode(), "f");
        assertEquals(layout(2 << 20, rotation(f.getInode(), 1)), f.getLayout());
        assertErrno(Errno.ENODATA, ns.getxattr(ns.mkdir(ROOT, "other").getInode(), LAYOUT));
    }

    @Test
    void file_getxattr_answersItsActualLayout_unlisted() {
        AttrMsg f = ns.file(ROOT, "f");
        assertEquals("chunk_size=4194304 stripe=2 chains=1,2", get(f.getInode()));
        assertFalse(ns.listxattr(f.getInode()).getXattr().getNamesList().contains(LAYOUT));
        ok(ns.chmod(f.getInode(), 0200));
        assertErrno(Errno.EACCES, ns.getxattr(f.getInode(), LAYOUT), "user.* reads need read permission");
    }

    @Test
    void file_setxattr_whileEmpty_choosesItsLayoutAgain_overItsOwn() throws Exception {
        AttrMsg f = ns.file(ROOT, "f");
        ok(ns.setxattr(f.getInode(), LAYOUT, "stripe=3", 0));
        AttrMsg a = ns.attr(f.getInode());
        assertEquals(layout(4 << 20, rotation(f.getInode(), 3)), a.getLayout());
        assertEquals(ns.now(), a.getCtimeNs());
        ok(ns.setxattr(f.getInode(), LAYOUT, "chunk_size=64K", Xattrs.XATTR_REPLACE));
        assertEquals(layout(64 << 10, rotation(f.getInode(), 3)), ns.attr(f.getInode()).getLayout(),
                "an unset key keeps the file's own value");
        assertEquals("chunk_size=65536 stripe=3 chains=" + String.join(",",
                Arrays.stream(rotation(f.getInode(), 3)).mapToObj(String::valueOf).toList()), get(f.getInode()));
        assertTrue(ns.store.get(Schema.XATTR, Xattrs.layoutKey(new InodeId(f.getInode()))).isEmpty(),
                "a file's layout lives in its inode, not as an xattr");
    }

    @Test
    void file_setxattr_onceItHasData_isEinval_andBadOnesToo() throws Exception {
        AttrMsg f = ns.file(ROOT, "f");
        assertErrno(Errno.EINVAL, ns.setxattr(f.getInode(), LAYOUT, "chunk_size=5M", 0));
        assertErrno(Errno.EEXIST, ns.setxattr(f.getInode(), LAYOUT, "stripe=1", Xattrs.XATTR_CREATE));
        ok(ns.writeInline(f.getInode(), new byte[] {1}));
        MetaResponse r = ns.setxattr(f.getInode(), LAYOUT, "stripe=1", 0);
        assertErrno(Errno.EINVAL, r);
        assertTrue(r.getMessage().contains("layout of a non-empty file cannot change"), r.getMessage());
        assertEquals(Fixture.LAYOUT, ns.attr(f.getInode()).getLayout());
        assertErrno(Errno.EACCES, ns.as(BOB).setxattr(ns.file(ROOT, "g").getInode(), LAYOUT, "stripe=1", 0));
    }

    @Test
    void file_removexattr_isEinval() throws Exception {
        AttrMsg f = ns.file(ROOT, "f");
        assertErrno(Errno.EINVAL, ns.removexattr(f.getInode(), LAYOUT));
        assertEquals(Fixture.LAYOUT, ns.attr(f.getInode()).getLayout());
        Inode stored = ns.store.get(Schema.INODE, new InodeId(f.getInode())).orElseThrow();
        assertTrue(stored.inline());
    }
}
