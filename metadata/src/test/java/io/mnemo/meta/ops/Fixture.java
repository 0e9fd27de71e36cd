package io.mnemo.meta.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.FileType;
import io.mnemo.core.proto.AttrMsg;
import io.mnemo.core.proto.Caller;
import io.mnemo.core.proto.CommitLengthReq;
import io.mnemo.core.proto.InlineWrite;
import io.mnemo.core.proto.CreateReq;
import io.mnemo.core.proto.DirEntryMsg;
import io.mnemo.core.proto.GetattrReq;
import io.mnemo.core.proto.GetxattrReq;
import io.mnemo.core.proto.ListxattrReq;
import io.mnemo.core.proto.RemovexattrReq;
import io.mnemo.core.proto.SetxattrReq;
import io.mnemo.core.proto.LayoutMsg;
import io.mnemo.core.proto.LinkReq;
import io.mnemo.core.proto.LookupReq;
import io.mnemo.core.proto.MetaCommand;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.core.proto.OpenReq;
import io.mnemo.core.proto.RegisterNodeReq;
import io.mnemo.core.proto.WriteInlineReq;
import io.mnemo.core.proto.ReaddirReq;
import io.mnemo.core.proto.RenameReq;
import io.mnemo.core.proto.SetattrReq;
import io.mnemo.core.proto.UnlinkReq;
import io.mnemo.meta.store.Applied;
import io.mnemo.meta.store.MetaStore;
import io.mnemo.meta.store.Schema;
import io.mnemo.meta.store.Txn;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A formatted namespace on a real RocksDB store, with commands applied the way the state
 * machine applies them (one transaction and one batch each), and a clock that ticks 1 µs per command.
 * Everything runs as {@link #ALICE}, who owns the root, unless {@link #as} names another caller.
 */
final class Fixture implements AutoCloseable {
    static final LayoutMsg LAYOUT = LayoutMsg.newBuilder().setChunkSize(4 << 20).setStripeCount(2)
            .addChains(1).addChains(2).build();
    static final Caller ALICE = Caller.newBuilder().setUid(1000).setGid(100).build();
    /** Another user, in none of Alice's groups. */
    static final Caller BOB = Caller.newBuilder().setUid(1001).setGid(1001).build();
    /** Another user, in Alice's group 100 through a supplementary group. */
    static final Caller CAROL = Caller.newBuilder().setUid(1002).setGid(1002).addGroups(7).addGroups(100).build();
    static final Caller SUPERUSER = Caller.newBuilder().setUid(0).setGid(0).build();
    static final long ROOT = 1;

    final MetaStore store;
    private final OpRunner ops;
    private final Clock clock;
    private final Caller caller;

    /** Time, inode ids and Raft indexes, shared by the views of one namespace for different callers. */
    private static final class Clock {
        long now = 1_700_000_000_000_000_000L;
        long nextInode = 2;
        long index;
        int nextNode;
    }

    private Fixture(MetaStore store, OpRunner ops, Clock clock, Caller caller) {
        this.store = store;
        this.ops = ops;
        this.clock = clock;
        this.caller = caller;
    }

    /** A new namespace that keeps files up to 64 KiB inline. */
    static Fixture format(Path dir) throws Exception {
        return format(dir, OpRunner.DEFAULT_INLINE_THRESHOLD_BYTES);
    }

    /** A new namespace that keeps files up to {@code inlineThresholdBytes} inline (0: none). */
    static Fixture format(Path dir, int inlineThresholdBytes) throws Exception {
        Fixture f = new Fixture(MetaStore.open(dir), new OpRunner(inlineThresholdBytes), new Clock(), ALICE);
        ok(f.apply(MetaCommand.newBuilder().setNewInode(1)
                .setCreate(CreateReq.newBuilder().setParent(0).setType(FileType.DIRECTORY.ordinal()).setMode(0755))));
        return f;
    }

    /** The same namespace, acting as {@code who}; closing either closes both. */
    Fixture as(Caller who) {
        return new Fixture(store, ops, clock, who);
    }

    Caller caller() {
        return caller;
    }

    /** Applies a command at a fresh time, as the state machine does. */
    MetaResponse apply(MetaCommand.Builder cmd) {
        clock.now += 1000;
        cmd.setNowNs(clock.now);
        if (!cmd.hasCaller()) {
            cmd.setCaller(caller);
        }
        Txn txn = store.begin();
        MetaResponse response = ops.apply(txn, cmd.build());
        txn.put(Schema.APPLIED, new Applied(1, ++clock.index));
        store.commit(txn);
        return response;
    }

    /** The time the last command applied with. */
    long now() {
        return clock.now;
    }

    MetaResponse tryCreate(long parent, String name, FileType type, int mode) {
        return tryCreate(CreateReq.newBuilder().setParent(parent).setName(bytes(name)).setType(type.ordinal())
                .setMode(mode));
    }

    MetaResponse tryCreate(CreateReq.Builder req) {
        MetaCommand.Builder cmd = MetaCommand.newBuilder().setNewInode(clock.nextInode++).setCreate(req);
        if (req.getType() == FileType.REGULAR.ordinal()) {
            cmd.setNewLayout(LAYOUT);
        }
        return apply(cmd);
    }

    AttrMsg mkdir(long parent, String name) {
        return ok(tryCreate(parent, name, FileType.DIRECTORY, 0755));
    }

    AttrMsg file(long parent, String name) {
        return ok(tryCreate(parent, name, FileType.REGULAR, 0644));
    }

    MetaResponse unlink(long parent, String name) {
        return apply(MetaCommand.newBuilder().setUnlink(UnlinkReq.newBuilder().setParent(parent).setName(bytes(name))));
    }

    MetaResponse rmdir(long parent, String name) {
        return apply(MetaCommand.newBuilder().setUnlink(UnlinkReq.newBuilder().setParent(parent).setName(bytes(name))
                .setDirectory(true)));
    }

    MetaResponse rename(long srcParent, String srcName, long dstParent, String dstName) {
        return rename(srcParent, srcName, dstParent, dstName, 0);
    }

    MetaResponse rename(long srcParent, String srcName, long dstParent, String dstName, int flags) {
        return apply(MetaCommand.newBuilder().setRename(RenameReq.newBuilder()
                .setSrcParent(srcParent).setSrcName(bytes(srcName))
                .setDstParent(dstParent).setDstName(bytes(dstName))
                .setFlags(flags)));
    }

    MetaResponse link(long inode, long parent, String name) {
        return apply(MetaCommand.newBuilder().setLink(LinkReq.newBuilder().setInode(inode).setNewParent(parent)
                .setNewName(bytes(name))));
    }

    MetaResponse setattr(SetattrReq.Builder req) {
        return apply(MetaCommand.newBuilder().setSetattr(req));
    }

    MetaResponse commitLength(long inode, long size, boolean touchMtime) {
        return apply(MetaCommand.newBuilder().setCommitLength(CommitLengthReq.newBuilder().setInode(inode)
                .setSize(size).setTouchMtime(touchMtime)));
    }

    MetaResponse commitMovedToChunks(long inode, long size) {
        return apply(MetaCommand.newBuilder().setCommitLength(CommitLengthReq.newBuilder().setInode(inode)
                .setSize(size).setTouchMtime(true).setMovedToChunks(true)));
    }

    MetaResponse writeInline(long inode, byte[] data) {
        return apply(MetaCommand.newBuilder().setWriteInline(WriteInlineReq.newBuilder().setInode(inode)
                .setData(ByteString.copyFrom(data))));
    }

    MetaResponse spliceInline(long inode, long offset, byte[] data) {
        return apply(MetaCommand.newBuilder().setWriteInline(WriteInlineReq.newBuilder().setInode(inode)
                .setSplice(true).addWrites(InlineWrite.newBuilder().setOffset(offset).setData(ByteString.copyFrom(data)))));
    }

    MetaResponse spliceInline(long inode, InlineWrite... writes) {
        return apply(MetaCommand.newBuilder().setWriteInline(WriteInlineReq.newBuilder().setInode(inode)
                .setSplice(true).addAllWrites(java.util.List.of(writes))));
    }

    /** A move out of inline storage that holds only if the inline contents are still {@code expected}. */
    MetaResponse commitMovedToChunks(long inode, long size, byte[] expected) {
        return apply(MetaCommand.newBuilder().setCommitLength(CommitLengthReq.newBuilder().setInode(inode)
                .setSize(size).setMovedToChunks(true).setCheckInline(true)
                .setExpectedInline(ByteString.copyFrom(expected))));
    }

    MetaResponse getattr(long inode) {
        try {
            return GetattrOp.run(store, GetattrReq.newBuilder().setInode(inode).build());
        } catch (FsException e) {
            return Replies.error(e);
        }
    }

    MetaResponse open(long inode, int flags) {
        try {
            return OpenOp.run(store, caller, OpenReq.newBuilder().setInode(inode).setFlags(flags).build(), true);
        } catch (FsException e) {
            return Replies.error(e);
        }
    }

    /** Registers {@code count} more data nodes, each with a chain of its own (ids 1, 2, ...). */
    void addChains(int count) {
        for (int i = 0; i < count; i++) {
            ok(apply(MetaCommand.newBuilder().setRegisterNode(RegisterNodeReq.newBuilder()
                    .setHost("node-" + clock.nextNode++).setPort(7000))));
        }
    }

    MetaResponse chmod(long inode, int mode) {
        return setattr(SetattrReq.newBuilder().setInode(inode).setHasMode(true).setMode(mode));
    }

    MetaResponse chown(long inode, int uid, int gid) {
        SetattrReq.Builder req = SetattrReq.newBuilder().setInode(inode);
        if (uid >= 0) {
            req.setHasUid(true).setUid(uid);
        }
        if (gid >= 0) {
            req.setHasGid(true).setGid(gid);
        }
        return setattr(req);
    }

    MetaResponse setxattr(long inode, String name, String value, int flags) {
        return apply(MetaCommand.newBuilder().setSetxattr(SetxattrReq.newBuilder().setInode(inode).setName(name)
                .setValue(bytes(value)).setFlags(flags)));
    }

    MetaResponse removexattr(long inode, String name) {
        return apply(MetaCommand.newBuilder().setRemovexattr(RemovexattrReq.newBuilder().setInode(inode)
                .setName(name)));
    }

    MetaResponse getxattr(long inode, String name) {
        try {
            return GetxattrOp.run(store, caller, GetxattrReq.newBuilder().setInode(inode).setName(name).build());
        } catch (FsException e) {
            return Replies.error(e);
        }
    }

    MetaResponse listxattr(long inode) {
        try {
            return ListxattrOp.run(store, caller, ListxattrReq.newBuilder().setInode(inode).build());
        } catch (FsException e) {
            return Replies.error(e);
        }
    }

    MetaResponse readdir(long dir) {
        try {
            return ReaddirOp.run(store, caller, ReaddirReq.newBuilder().setDir(dir).build());
        } catch (FsException e) {
            return Replies.error(e);
        }
    }

    AttrMsg attr(long inode) throws FsException {
        return ok(GetattrOp.run(store, GetattrReq.newBuilder().setInode(inode).build()));
    }

    MetaResponse lookup(long parent, String name) {
        try {
            return LookupOp.run(store, caller, LookupReq.newBuilder().setParent(parent).setName(bytes(name)).build());
        } catch (FsException e) {
            return Replies.error(e);
        }
    }

    /** The names in a directory, read page by page. */
    List<String> list(long dir) throws FsException {
        List<String> names = new ArrayList<>();
        ByteString after = ByteString.EMPTY;
        while (true) {
            MetaResponse page = ReaddirOp.run(store, caller, ReaddirReq.newBuilder().setDir(dir).setAfter(after)
                    .setLimit(100).build());
            for (DirEntryMsg e : page.getDirPage().getEntriesList()) {
                names.add(e.getName().toStringUtf8());
                after = e.getName();
            }
            if (!page.getDirPage().getMore()) {
                return names;
            }
        }
    }

    static ByteString bytes(String s) {
        return ByteString.copyFromUtf8(s);
    }

    static AttrMsg ok(MetaResponse r) {
        assertEquals(0, r.getErrno(), () -> "expected success, got errno " + r.getErrno() + ": " + r.getMessage());
        return r.getAttr();
    }

    static AttrMsg ok(MetaResponse r, String why) {
        assertEquals(0, r.getErrno(), () -> why + ": expected success, got errno " + r.getErrno() + ": "
                + r.getMessage());
        return r.getAttr();
    }

    static void assertErrno(Errno expected, MetaResponse r, String why) {
        assertEquals(expected.code(), r.getErrno(), () -> why + ": expected " + expected + ", got errno "
                + r.getErrno() + " (" + r.getMessage() + ")");
    }

    static void assertErrno(Errno expected, MetaResponse r) {
        assertEquals(expected.code(), r.getErrno(), () -> "expected " + expected + ", got errno " + r.getErrno()
                + " (" + r.getMessage() + ")");
    }

    @Override
    public void close() {
        store.close();
    }
}
