package io.mnemo.meta.ops;

import static io.mnemo.meta.ops.Fixture.BOB;
import static io.mnemo.meta.ops.Fixture.ROOT;
import static io.mnemo.meta.ops.Fixture.SUPERUSER;
import static io.mnemo.meta.ops.Fixture.assertErrno;
import static io.mnemo.meta.ops.Fixture.ok;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.mnemo.core.error.Errno;
import io.mnemo.core.model.FileType;
import io.mnemo.core.model.InodeId;
import com.google.protobuf.ByteString;
import io.mnemo.core.proto.AttrMsg;
import io.mnemo.core.proto.InlineWrite;
import io.mnemo.core.proto.MetaCommand;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.core.proto.PurgeOrphanReq;
import io.mnemo.core.proto.WriteInlineReq;
import io.mnemo.meta.store.Schema;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files stored inline: created inline, written back whole, answered with their contents, deleted with them. */
class WriteInlineOpTest {
    static final int LIMIT = 64 * 1024;

    @TempDir
    Path dir;
    Fixture ns;
    AttrMsg f;

    @BeforeEach
    void format() throws Exception {
        ns = Fixture.format(dir, LIMIT);
        f = ns.file(ROOT, "f");
    }

    @AfterEach
    void close() {
        ns.close();
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    boolean storedInline(long inode) {
        return ns.store.get(Schema.INODE, new InodeId(inode)).orElseThrow().inline();
    }

    @Test
    void newRegularFile_startsInline_withALayoutAll_theSame_andEmptyContents() {
        assertTrue(storedInline(f.getInode()));
        assertEquals(Fixture.LAYOUT, f.getLayout());
        MetaResponse r = ns.open(f.getInode(), 0);
        assertTrue(r.hasInline(), "an empty inline file still says it is inline");
        assertEquals(0, r.getInline().getData().size());
        AttrMsg d = ns.mkdir(ROOT, "d");
        assertFalse(ns.open(d.getInode(), 0).hasInline());
        AttrMsg p = ok(ns.tryCreate(ROOT, "p", FileType.FIFO, 0644));
        assertFalse(ns.open(p.getInode(), 0).hasInline());
    }

    @Test
    void writeInline_replacesTheWholeContents_andSetsSizeMtimeCtime() {
        AttrMsg a = ok(ns.writeInline(f.getInode(), bytes("hello world")));
        assertEquals(11, a.getSize());
        assertEquals(ns.now(), a.getMtimeNs());
        assertEquals(ns.now(), a.getCtimeNs());
        assertEquals(f.getAtimeNs(), a.getAtimeNs());
        assertArrayEquals(bytes("hello world"), ns.open(f.getInode(), 0).getInline().getData().toByteArray());
        ok(ns.writeInline(f.getInode(), bytes("bye")));
        MetaResponse r = ns.open(f.getInode(), 0);
        assertEquals(3, r.getAttr().getSize());
        assertArrayEquals(bytes("bye"), r.getInline().getData().toByteArray(), "replaced, not overwritten in place");
    }

    @Test
    void splice_writesOnlyItsBytes_soDisjointWritersKeepEachOthers_andAGapReadsAsZeros() {
        ok(ns.spliceInline(f.getInode(), 4, bytes("BBBB")));
        AttrMsg a = ok(ns.spliceInline(f.getInode(), 0, bytes("AA")));
        assertEquals(8, a.getSize(), "a splice below the end keeps the length");
        assertEquals(ns.now(), a.getMtimeNs());
        assertArrayEquals(bytes("AA\0\0BBBB"), ns.open(f.getInode(), 0).getInline().getData().toByteArray());
        assertEquals(12, ok(ns.spliceInline(f.getInode(), 10, bytes("CC"))).getSize());
        assertArrayEquals(bytes("AA\0\0BBBB\0\0CC"), ns.open(f.getInode(), 0).getInline().getData().toByteArray());
        ok(ns.spliceInline(f.getInode(), 1, bytes("xyz")));
        assertArrayEquals(bytes("Axyz" + "BBBB\0\0CC"), ns.open(f.getInode(), 0).getInline().getData().toByteArray(),
                "overwritten in place");
    }

    @Test
    void splice_endingPastTheThreshold_isEfbig_atAnyOffset_andChangesNothing() {
        ok(ns.spliceInline(f.getInode(), 0, bytes("kept")));
        ok(ns.spliceInline(f.getInode(), LIMIT - 1, bytes("z")));
        assertErrno(Errno.EFBIG, ns.spliceInline(f.getInode(), LIMIT - 1, bytes("zz")));
        assertErrno(Errno.EFBIG, ns.spliceInline(f.getInode(), LIMIT + 1, new byte[0]));
        assertErrno(Errno.EFBIG, ns.spliceInline(f.getInode(), -2, bytes("x")), "an offset beyond 2^63");
        MetaResponse r = ns.open(f.getInode(), 0);
        assertEquals(LIMIT, r.getAttr().getSize());
        assertArrayEquals(bytes("kept"), java.util.Arrays.copyOf(r.getInline().getData().toByteArray(), 4));
    }

    @Test
    void splice_ofSeveralRanges_writesThemAll_orNothingIfOneEndsPastTheThreshold() {
        ok(ns.spliceInline(f.getInode(), write(0, "ab"), write(6, "cd")));
        assertArrayEquals(bytes("ab\0\0\0\0cd"), ns.open(f.getInode(), 0).getInline().getData().toByteArray());
        assertErrno(Errno.EFBIG, ns.spliceInline(f.getInode(), write(2, "xx"), write(LIMIT, "y")));
        assertArrayEquals(bytes("ab\0\0\0\0cd"), ns.open(f.getInode(), 0).getInline().getData().toByteArray());
    }

    static InlineWrite write(long offset, String data) {
        return InlineWrite.newBuilder().setOffset(offset).setData(ByteString.copyFromUtf8(data)).build();
    }

    @Test
    void splice_ofAFileInChunks_isEinval() {
        ok(ns.commitMovedToChunks(f.getInode(), 100));
        assertErrno(Errno.EINVAL, ns.spliceInline(f.getInode(), 0, bytes("late")));
    }

    @Test
    void writeInline_ofNothing_leavesAnEmptyInlineFile_withoutARecord() {
        ok(ns.writeInline(f.getInode(), bytes("x")));
        ok(ns.writeInline(f.getInode(), new byte[0]));
        assertTrue(ns.store.get(Schema.INLINE, new InodeId(f.getInode())).isEmpty());
        MetaResponse r = ns.open(f.getInode(), 0);
        assertEquals(0, r.getAttr().getSize());
        assertTrue(r.hasInline());
        assertEquals(0, r.getInline().getData().size());
    }

    @Test
    void writeInline_upToTheThreshold_fits_andBeyondIsEfbig_changingNothing() {
        ok(ns.writeInline(f.getInode(), new byte[LIMIT]));
        ok(ns.writeInline(f.getInode(), bytes("kept")));
        assertErrno(Errno.EFBIG, ns.writeInline(f.getInode(), new byte[LIMIT + 1]));
        MetaResponse r = ns.open(f.getInode(), 0);
        assertEquals(4, r.getAttr().getSize());
        assertArrayEquals(bytes("kept"), r.getInline().getData().toByteArray());
        assertTrue(storedInline(f.getInode()));
    }

    @Test
    void theThresholdACommandCarries_winsOverTheConfiguredOne() throws Exception {
        MetaCommand.Builder small = MetaCommand.newBuilder().setInlineLimit(10)
                .setWriteInline(WriteInlineReq.newBuilder().setInode(f.getInode()).setData(ByteString.copyFrom(new byte[11])));
        assertErrno(Errno.EFBIG, ns.apply(small), "the leader's threshold, not this server's " + LIMIT);
        MetaCommand.Builder large = MetaCommand.newBuilder().setInlineLimit(LIMIT + 10).setWriteInline(
                WriteInlineReq.newBuilder().setInode(f.getInode()).setData(ByteString.copyFrom(new byte[LIMIT + 10])));
        ok(ns.apply(large));
        assertEquals(LIMIT + 10, ns.attr(f.getInode()).getSize());
    }

    @Test
    void writeInline_ofAFileInChunks_isEinval_ofOtherTypes_EisdirOrEinval_ofMissing_Enoent() {
        ok(ns.writeInline(f.getInode(), bytes("abc")));
        ok(ns.commitMovedToChunks(f.getInode(), 3));
        assertErrno(Errno.EINVAL, ns.writeInline(f.getInode(), bytes("abc")));
        assertErrno(Errno.EISDIR, ns.writeInline(ROOT, bytes("abc")));
        AttrMsg p = ok(ns.tryCreate(ROOT, "p", FileType.FIFO, 0644));
        assertErrno(Errno.EINVAL, ns.writeInline(p.getInode(), bytes("abc")));
        assertErrno(Errno.ENOENT, ns.writeInline(31337, bytes("abc")));
    }

    @Test
    void withInlineStorageOff_filesStartInChunks_andWriteInlineIsEinval() throws Exception {
        ns.close();
        ns = Fixture.format(dir.resolve("off"), 0);
        AttrMsg g = ns.file(ROOT, "g");
        assertFalse(storedInline(g.getInode()));
        assertFalse(ns.open(g.getInode(), 0).hasInline());
        assertErrno(Errno.EINVAL, ns.writeInline(g.getInode(), new byte[0]));
        assertEquals(Fixture.LAYOUT, g.getLayout());
    }

    @Test
    void writeInline_byAnybodyButRoot_dropsSetuid_andGroupExecutableSetgid_likeACommit() throws Exception {
        ok(ns.chmod(f.getInode(), 06777));
        assertEquals(06777, ok(ns.as(SUPERUSER).writeInline(f.getInode(), bytes("a"))).getMode());
        assertEquals(0777, ok(ns.as(BOB).writeInline(f.getInode(), bytes("b"))).getMode());
        ok(ns.chmod(f.getInode(), 06747));
        assertEquals(02747, ok(ns.writeInline(f.getInode(), bytes("c"))).getMode(), "the owner's writes too");
    }

    @Test
    void writeInline_checksNoPermission_theOpenDid() throws Exception {
        // open(O_CREAT|O_WRONLY, 0444) lets the creator write through that handle: so must the write-back.
        ok(ns.chmod(f.getInode(), 0444));
        ok(ns.writeInline(f.getInode(), bytes("created read-only")));
        assertEquals(17, ns.attr(f.getInode()).getSize());
    }

    @Test
    void writeInline_ofAnOpenButUnlinkedFile_works_andThePurgeDeletesTheContents() throws Exception {
        ok(ns.writeInline(f.getInode(), bytes("before")));
        ok(ns.unlink(ROOT, "f"));
        assertEquals(0, ns.attr(f.getInode()).getNlink());
        AttrMsg a = ok(ns.writeInline(f.getInode(), bytes("after unlink")));
        assertEquals(12, a.getSize());
        assertArrayEquals(bytes("after unlink"), ns.open(f.getInode(), 0).getInline().getData().toByteArray());
        ok(ns.apply(MetaCommand.newBuilder().setPurgeOrphan(PurgeOrphanReq.newBuilder().addInodes(f.getInode()))));
        assertTrue(ns.store.get(Schema.INLINE, new InodeId(f.getInode())).isEmpty());
        assertTrue(ns.store.get(Schema.INODE, new InodeId(f.getInode())).isEmpty());
    }

    @Test
    void contents_stayWhileAnotherLinkNames_theFile_andGoWithAReplacingRename() throws Exception {
        ok(ns.writeInline(f.getInode(), bytes("shared")));
        ok(ns.link(f.getInode(), ROOT, "g"));
        ok(ns.unlink(ROOT, "f"));
        MetaResponse g = ns.lookup(ROOT, "g");
        assertEquals(6, ok(g).getSize());
        assertArrayEquals(bytes("shared"), ns.open(ok(g).getInode(), 0).getInline().getData().toByteArray());
        AttrMsg h = ns.file(ROOT, "h");
        ok(ns.rename(ROOT, "h", ROOT, "g")); // g's inode loses its last name
        assertEquals(0, ns.attr(f.getInode()).getNlink());
        ok(ns.apply(MetaCommand.newBuilder().setPurgeOrphan(PurgeOrphanReq.newBuilder().addInodes(f.getInode()))));
        assertTrue(ns.store.get(Schema.INLINE, new InodeId(f.getInode())).isEmpty());
        assertEquals(h.getInode(), ok(ns.lookup(ROOT, "g")).getInode());
    }
}
