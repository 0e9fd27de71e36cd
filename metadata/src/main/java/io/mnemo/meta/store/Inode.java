package io.mnemo.meta.store;

import com.google.protobuf.InvalidProtocolBufferException;
import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.Attributes;
import io.mnemo.core.model.FileType;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.proto.AttrMsg;
import io.mnemo.core.proto.Protos;
import java.nio.ByteBuffer;

/**
 * One inode as stored: its attributes and, for a directory, the directory that holds it
 * (its {@code ..}; the root is its own parent). Other types have no single parent because of
 * hard links, so theirs is null.
 */
public record Inode(Attributes attributes, InodeId parent) {

    /** {@code [version 1][u64 parent, 0 for none][AttrMsg]}. */
    public static final Codec<Inode> CODEC = new Codec<>() {
        @Override
        public byte[] encode(Inode inode) {
            byte[] attr = Protos.toMsg(inode.attributes).toByteArray();
            return ByteBuffer.allocate(1 + Long.BYTES + attr.length)
                    .put(Keys.VERSION_1)
                    .putLong(inode.parent == null ? 0 : inode.parent.value())
                    .put(attr)
                    .array();
        }

        @Override
        public Inode decode(byte[] bytes) {
            Keys.requireVersion(bytes, "inode");
            if (bytes.length < 1 + Long.BYTES) {
                throw new IllegalStateException("inode value of " + bytes.length + " bytes is truncated");
            }
            long parent = ByteBuffer.wrap(bytes, 1, Long.BYTES).getLong();
            try {
                AttrMsg msg = AttrMsg.parseFrom(ByteBuffer.wrap(bytes, 1 + Long.BYTES, bytes.length - 1 - Long.BYTES));
                return new Inode(Protos.fromMsg(msg), parent == 0 ? null : new InodeId(parent));
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("corrupt inode attributes", e);
            }
        }
    };

    public Inode {
        if ((attributes.type() == FileType.DIRECTORY) != (parent != null)) {
            throw new IllegalArgumentException("directories, and only they, record a parent: " + attributes);
        }
    }

    public InodeId id() {
        return attributes.inode();
    }

    public FileType type() {
        return attributes.type();
    }

    public boolean isDirectory() {
        return attributes.isDirectory();
    }

    public int nlink() {
        return attributes.nlink();
    }

    /** This inode, if it is a directory; ENOTDIR otherwise. */
    public Inode requireDirectory() throws FsException {
        if (!isDirectory()) {
            throw new FsException(Errno.ENOTDIR, id() + " is not a directory");
        }
        return this;
    }

    /** This inode, if it is not a directory; EISDIR otherwise. */
    public Inode requireNotDirectory() throws FsException {
        if (isDirectory()) {
            throw new FsException(Errno.EISDIR, id() + " is a directory");
        }
        return this;
    }

    /** This inode, if it is a regular file: EISDIR for a directory, EINVAL for the other types. */
    public Inode requireRegular() throws FsException {
        requireNotDirectory();
        if (!attributes.isRegular()) {
            throw new FsException(Errno.EINVAL, id() + " is a " + type() + ", not a regular file");
        }
        return this;
    }

    public Inode withNlink(int nlink) {
        Attributes a = attributes;
        return with(a.mode(), a.uid(), a.gid(), nlink, a.sizeBytes(), a.atimeNanos(), a.mtimeNanos(), a.ctimeNanos());
    }

    public Inode withMode(int mode) {
        Attributes a = attributes;
        return with(mode, a.uid(), a.gid(), a.nlink(), a.sizeBytes(), a.atimeNanos(), a.mtimeNanos(), a.ctimeNanos());
    }

    public Inode withOwner(int uid, int gid) {
        Attributes a = attributes;
        return with(a.mode(), uid, gid, a.nlink(), a.sizeBytes(), a.atimeNanos(), a.mtimeNanos(), a.ctimeNanos());
    }

    public Inode withSize(long sizeBytes) {
        Attributes a = attributes;
        return with(a.mode(), a.uid(), a.gid(), a.nlink(), sizeBytes, a.atimeNanos(), a.mtimeNanos(), a.ctimeNanos());
    }

    public Inode withAtime(long atimeNanos) {
        Attributes a = attributes;
        return with(a.mode(), a.uid(), a.gid(), a.nlink(), a.sizeBytes(), atimeNanos, a.mtimeNanos(), a.ctimeNanos());
    }

    public Inode withMtime(long mtimeNanos) {
        Attributes a = attributes;
        return with(a.mode(), a.uid(), a.gid(), a.nlink(), a.sizeBytes(), a.atimeNanos(), mtimeNanos, a.ctimeNanos());
    }

    public Inode withCtime(long ctimeNanos) {
        Attributes a = attributes;
        return with(a.mode(), a.uid(), a.gid(), a.nlink(), a.sizeBytes(), a.atimeNanos(), a.mtimeNanos(), ctimeNanos);
    }

    /** What a change of the directory's entries does to it: mtime and ctime become {@code nowNanos}. */
    public Inode withContentsChanged(long nowNanos) {
        return withMtime(nowNanos).withCtime(nowNanos);
    }

    public Inode withParent(InodeId newParent) {
        return new Inode(attributes, newParent);
    }

    private Inode with(int mode, int uid, int gid, int nlink, long size, long atime, long mtime, long ctime) {
        Attributes a = attributes;
        return new Inode(new Attributes(a.inode(), a.type(), mode & 07777, uid, gid, nlink, size, atime, mtime, ctime,
                a.rdev(), a.layout(), a.symlinkTarget()), parent);
    }
}
