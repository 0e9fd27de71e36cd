package io.mnemo.meta.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.FileType;
import io.mnemo.core.proto.AttrMsg;
import io.mnemo.core.proto.Caller;
import io.mnemo.core.proto.CommitLengthReq;
import io.mnemo.core.proto.CreateReq;
import io.mnemo.core.proto.DirEntryMsg;
import io.mnemo.core.proto.GetattrReq;
import io.mnemo.core.proto.LayoutMsg;
import io.mnemo.core.proto.LinkReq;
import io.mnemo.core.proto.LookupReq;
import io.mnemo.core.proto.MetaCommand;
import io.mnemo.core.proto.MetaResponse;
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
 */
final class Fixture implements AutoCloseable {
    static final LayoutMsg LAYOUT = LayoutMsg.newBuilder().setChunkSize(4 << 20).setStripeCount(2)
            .addChains(1).addChains(2).build();
    static final Caller ALICE = Caller.newBuilder().setUid(1000).setGid(100).build();
    static final long ROOT = 1;

    final MetaStore store;
    private long now = 1_700_000_000_000_000_000L;
    private long nextInode = 2;
    private long index;

    private Fixture(MetaStore store) {
        this.store = store;
    }

    static Fixture format(Path dir) throws Exception {
        Fixture f = new Fixture(MetaStore.open(dir));
        ok(f.apply(MetaCommand.newBuilder().setNewInode(1)
                .setCreate(CreateReq.newBuilder().setParent(0).setType(FileType.DIRECTORY.ordinal()).setMode(0755))));
        return f;
    }

    /** Applies a command at a fresh time, as the state machine does. */
    MetaResponse apply(MetaCommand.Builder cmd) {
        now += 1000;
        cmd.setNowNs(now);
        if (!cmd.hasCaller()) {
            cmd.setCaller(ALICE);
        }
        Txn txn = store.begin();
        MetaResponse response = OpRunner.apply(txn, cmd.build());
        txn.put(Schema.APPLIED, new Applied(1, ++index));
        store.commit(txn);
        return response;
    }

    /** The time the last command applied with. */
    long now() {
        return now;
    }

    MetaResponse tryCreate(long parent, String name, FileType type, int mode) {
        return tryCreate(CreateReq.newBuilder().setParent(parent).setName(bytes(name)).setType(type.ordinal())
                .setMode(mode));
    }

    MetaResponse tryCreate(CreateReq.Builder req) {
        MetaCommand.Builder cmd = MetaCommand.newBuilder().setNewInode(nextInode++).setCreate(req);
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

    AttrMsg attr(long inode) throws FsException {
        return ok(GetattrOp.run(store, GetattrReq.newBuilder().setInode(inode).build()));
    }

    MetaResponse lookup(long parent, String name) {
        try {
            return LookupOp.run(store, LookupReq.newBuilder().setParent(parent).setName(bytes(name)).build());
        } catch (FsException e) {
            return Replies.error(e);
        }
    }

    /** The names in a directory, read page by page. */
    List<String> list(long dir) throws FsException {
        List<String> names = new ArrayList<>();
        ByteString after = ByteString.EMPTY;
        while (true) {
            MetaResponse page = ReaddirOp.run(store, ReaddirReq.newBuilder().setDir(dir).setAfter(after)
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

    static void assertErrno(Errno expected, MetaResponse r) {
        assertEquals(expected.code(), r.getErrno(), () -> "expected " + expected + ", got errno " + r.getErrno()
                + " (" + r.getMessage() + ")");
    }

    @Override
    public void close() {
        store.close();
    }
}
