package io.mnemo.meta.ops;

import static io.mnemo.meta.ops.Fixture.ROOT;
import static io.mnemo.meta.ops.Fixture.assertErrno;
import static io.mnemo.meta.ops.Fixture.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mnemo.core.error.Errno;
import io.mnemo.core.model.FileType;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.proto.AttrMsg;
import io.mnemo.core.proto.CommitLengthReq;
import io.mnemo.core.proto.MetaCommand;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.core.proto.SetattrReq;
import io.mnemo.meta.store.Schema;
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
    void commit_ofWrites_setsTheWritersTime_andCountsTheirBytes_upToTheSize() {
        long writtenAt = ns.now() - 5_000_000_000L;
        AttrMsg a = ok(ns.apply(MetaCommand.newBuilder().setCommitLength(CommitLengthReq.newBuilder()
                .setInode(f.getInode()).setSize(1 << 30).setTouchMtime(true).setModifiedNs(writtenAt)
                .setWrittenBytes(4096))));
        assertEquals(writtenAt, a.getMtimeNs(), "when the write was made");
        assertEquals(ns.now(), a.getCtimeNs(), "never before now");
        assertEquals(4096, a.getWrittenBytes(), "a sparse file: the rest are holes");
        a = ok(ns.apply(MetaCommand.newBuilder().setCommitLength(CommitLengthReq.newBuilder()
                .setInode(f.getInode()).setSize(1 << 30).setTouchMtime(true).setWrittenBytes(2L << 30))));
        assertEquals(1 << 30, a.getWrittenBytes(), "never more than the size");
        a = ok(ns.setattr(SetattrReq.newBuilder().setInode(f.getInode()).setHasSize(true).setSize(100)));
        assertEquals(100, a.getWrittenBytes(), "a truncate cuts the written bytes too");
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

    @Test
    void commit_movedToChunks_dropsTheInlineCopy_andTheFileLivesInChunks() throws Exception {
        ok(ns.writeInline(f.getInode(), new byte[] {1, 2, 3}));
        AttrMsg a = ok(ns.commitMovedToChunks(f.getInode(), 70_000));
        assertEquals(70_000, a.getSize());
        assertEquals(ns.now(), a.getMtimeNs());
        assertFalse(ns.store.get(Schema.INODE, new InodeId(f.getInode())).orElseThrow().inline());
        assertTrue(ns.store.get(Schema.INLINE, new InodeId(f.getInode())).isEmpty());
        assertFalse(ns.open(f.getInode(), 0).hasInline());
        assertFalse(ns.open(f.getInode(), 0).hasInline());
        assertEquals(Fixture.LAYOUT, a.getLayout(), "the layout chosen at create");
        assertEquals(70_000, ok(ns.commitMovedToChunks(f.getInode(), 70_000)).getSize(), "a repeat is harmless");
    }

    @Test
    void commit_movedToChunks_keepsTheLengthOfTheMovedBytes_ifTheCommitSaysLess() throws Exception {
        ok(ns.writeInline(f.getInode(), new byte[100]));
        assertEquals(100, ok(ns.commitMovedToChunks(f.getInode(), 0)).getSize());
    }

    @Test
    void commit_movedToChunks_withTheContentsTheMoverCopied_moves() throws Exception {
        ok(ns.writeInline(f.getInode(), new byte[] {1, 2, 3}));
        assertEquals(3, ok(ns.commitMovedToChunks(f.getInode(), 3, new byte[] {1, 2, 3})).getSize());
        assertFalse(ns.store.get(Schema.INODE, new InodeId(f.getInode())).orElseThrow().inline());
        assertTrue(ns.store.get(Schema.INLINE, new InodeId(f.getInode())).isEmpty());
    }

    @Test
    void commit_movedToChunks_afterAnotherClientWroteInline_isEagain_andChangesNothing() throws Exception {
        // The mover read {1, 2, 3} and copied it to chunks; another client wrote inline meanwhile.
        ok(ns.writeInline(f.getInode(), new byte[] {1, 2, 3, 4}));
        assertErrno(Errno.EAGAIN, ns.commitMovedToChunks(f.getInode(), 3, new byte[] {1, 2, 3}));
        MetaResponse r = ns.open(f.getInode(), 0);
        assertEquals(4, r.getAttr().getSize());
        assertEquals(4, r.getInline().getData().size());
        assertTrue(ns.store.get(Schema.INODE, new InodeId(f.getInode())).orElseThrow().inline());
        assertErrno(Errno.EAGAIN, ns.commitMovedToChunks(f.getInode(), 0, new byte[0]), "an empty file was expected");
    }

    @Test
    void commit_movedToChunks_withExpectedContents_ofAFileAnotherClientMoved_justCommitsTheLength() throws Exception {
        ok(ns.writeInline(f.getInode(), new byte[] {1, 2, 3}));
        ok(ns.commitMovedToChunks(f.getInode(), 3, new byte[] {1, 2, 3}));
        assertEquals(90_000, ok(ns.commitMovedToChunks(f.getInode(), 90_000, new byte[] {7})).getSize());
        assertFalse(ns.open(f.getInode(), 0).hasInline());
    }

    @Test
    void commit_withoutMovedToChunks_ofANonEmptyInlineFile_isEinval_andChangesNothing() throws Exception {
        ok(ns.writeInline(f.getInode(), new byte[] {1, 2, 3}));
        assertErrno(Errno.EINVAL, ns.commitLength(f.getInode(), 10, true));
        MetaResponse r = ns.open(f.getInode(), 0);
        assertEquals(3, r.getAttr().getSize());
        assertEquals(3, r.getInline().getData().size());
    }

    @Test
    void commit_ofAnEmptyInlineFile_leavesInlineStorage_evenWithoutTheFlag() throws Exception {
        // A client that knows nothing of inline files writes chunks and commits their length.
        assertEquals(5000, ok(ns.commitLength(f.getInode(), 5000, true)).getSize());
        assertFalse(ns.store.get(Schema.INODE, new InodeId(f.getInode())).orElseThrow().inline());
        assertFalse(ns.open(f.getInode(), 0).hasInline());
    }
}
