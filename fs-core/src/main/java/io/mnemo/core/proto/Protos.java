package io.mnemo.core.proto;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.Attributes;
import io.mnemo.core.model.DirEntry;
import io.mnemo.core.model.FileType;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.model.Layout;
import io.mnemo.core.model.Name;
import com.google.protobuf.ByteString;

/** Conversions between model values and their protobuf messages. */
public final class Protos {
    private Protos() {}

    public static LayoutMsg toMsg(Layout layout) {
        return LayoutMsg.newBuilder()
                .setChunkSize(layout.chunkSizeBytes())
                .setStripeCount(layout.stripeCount())
                .addAllChains(layout.chains())
                .build();
    }

    public static Layout fromMsg(LayoutMsg msg) {
        return new Layout(msg.getChunkSize(), msg.getStripeCount(), msg.getChainsList());
    }

    public static AttrMsg toMsg(Attributes a) {
        AttrMsg.Builder b = AttrMsg.newBuilder()
                .setInode(a.inode().value())
                .setType(a.type().ordinal())
                .setMode(a.permissions())
                .setUid(a.uid())
                .setGid(a.gid())
                .setNlink(a.nlink())
                .setSize(a.sizeBytes())
                .setAtimeNs(a.atimeNanos())
                .setMtimeNs(a.mtimeNanos())
                .setCtimeNs(a.ctimeNanos())
                .setRdev(a.rdev());
        if (a.layout() != null) {
            b.setLayout(toMsg(a.layout()));
        }
        if (a.symlinkTarget() != null) {
            b.setSymlinkTarget(a.symlinkTarget());
        }
        if (a.writtenBytes() >= 0) {
            b.setWrittenBytes(a.writtenBytes());
        }
        return b.build();
    }

    public static Attributes fromMsg(AttrMsg m) {
        return new Attributes(
                new InodeId(m.getInode()),
                fileType(m.getType()),
                m.getMode(),
                m.getUid(),
                m.getGid(),
                m.getNlink(),
                m.getSize(),
                m.getAtimeNs(),
                m.getMtimeNs(),
                m.getCtimeNs(),
                m.getRdev(),
                m.hasLayout() ? fromMsg(m.getLayout()) : null,
                m.getType() == FileType.SYMLINK.ordinal() ? m.getSymlinkTarget() : null,
                m.hasWrittenBytes() ? m.getWrittenBytes() : -1);
    }

    public static FileType fileType(int ordinal) {
        FileType[] types = FileType.values();
        if (ordinal < 0 || ordinal >= types.length) {
            throw new IllegalArgumentException("unknown file type " + ordinal);
        }
        return types[ordinal];
    }

    public static DirEntryMsg toMsg(DirEntry e) {
        return DirEntryMsg.newBuilder()
                .setName(ByteString.copyFrom(e.name().bytes()))
                .setInode(e.inode().value())
                .setType(e.type().ordinal())
                .build();
    }

    public static DirEntry fromMsg(DirEntryMsg m) throws FsException {
        return new DirEntry(Name.of(m.getName().toByteArray()), new InodeId(m.getInode()), fileType(m.getType()));
    }

    public static io.mnemo.core.proto.Caller toMsg(io.mnemo.core.model.Caller c) {
        return io.mnemo.core.proto.Caller.newBuilder().setUid(c.uid()).setGid(c.gid()).addAllGroups(c.groups()).build();
    }

    public static io.mnemo.core.model.Caller fromMsg(io.mnemo.core.proto.Caller m) {
        return new io.mnemo.core.model.Caller(m.getUid(), m.getGid(), m.getGroupsList());
    }

    /** Throws the error a response carries, if any. */
    public static void check(int errno, String message) throws FsException {
        if (errno != 0) {
            throw new FsException(Errno.fromCode(errno), message);
        }
    }
}
