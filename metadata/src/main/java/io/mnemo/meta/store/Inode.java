package io.mnemo.meta.store;

import com.google.protobuf.InvalidProtocolBufferException;
import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.Attributes;
import io.mnemo.core.model.FileType;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.model.Layout;
import io.mnemo.core.proto.AttrMsg;
import io.mnemo.core.proto.Protos;
import java.nio.ByteBuffer;

/**
 * One inode as stored: its attributes; for a directory, the directory that holds it (its
 * {@code ..}; the root is its own parent; other types have no single parent because of hard
 * links, so theirs is null); and for a regular file whether its bytes are stored inline (in the
 * {@code inline} family, see {@link Schema#INLINE}) rather than in chunks; and whether it is a
 * file made by {@code O_TMPFILE} (without {@code O_EXCL}) that has never had a name, which
 * {@code linkat} may still give one.
 */
public record Inode(Attributes attributes, InodeId parent, boolean inline, boolean linkable) {
    /** The flag bit of an inline regular file. */
    private static final int FLAG_INLINE = 1;
    /** The flag bit of a file made by {@code O_TMPFILE} that has never had a name and may get one. */
    private static final int FLAG_LINKABLE = 2;

    /**
     * {@code [version 2][u8 flags][u64 parent, 0 for none][AttrMsg]}; flag bit 0 means inline,
     * bit 1 linkable.
     * Version 1 values ({@code [1][u64 parent][AttrMsg]}, written before files could be inline)
     * are still read, as files in chunks.
     */
    public static final Codec<Inode> CODEC = new Codec<>() {
        @Override
        public byte[] encode(Inode inode) {
            byte[] attr = Protos.toMsg(inode.attributes).toByteArray();
            return ByteBuffer.allocate(2 + Long.BYTES + attr.length)
                    .put(Keys.VERSION_2)
                    .put((byte) ((inode.inline ? FLAG_INLINE : 0) | (inode.linkable ? FLAG_LINKABLE : 0)))
                    .putLong(inode.parent == null ? 0 : inode.parent.value())
                    .put(attr)
                    .array();
        }

        @Override
        public Inode decode(byte[] bytes) {
            if (bytes.length == 0 || bytes[0] != Keys.VERSION_1 && bytes[0] != Keys.VERSION_2) {
                throw new IllegalStateException("inode has unknown format version "
                        + (bytes.length == 0 ? "(empty)" : Byte.toString(bytes[0])));
            }
            int header = bytes[0] == Keys.VERSION_1 ? 1 : 2;
            if (bytes.length < header + Long.BYTES) {
                throw new IllegalStateException("inode value of " + bytes.length + " bytes is truncated");
            }
            int flags = header == 2 ? bytes[1] & 0xFF : 0;
            if ((flags & ~(FLAG_INLINE | FLAG_LINKABLE)) != 0) {
                // Rewriting such an inode would silently drop flags this code does not know.
                throw new IllegalStateException("inode has unknown flags " + Integer.toBinaryString(flags));
            }
            long parent = ByteBuffer.wrap(bytes, header, Long.BYTES).getLong();
            int offset = header + Long.BYTES;
            try {
                AttrMsg msg = AttrMsg.parseFrom(ByteBuffer.wrap(bytes, offset, bytes.length - offset));
                return new Inode(Protos.fromMsg(msg), parent == 0 ? null : new InodeId(parent),
                        (flags & FLAG_INLINE) != 0, (flags & FLAG_LINKABLE) != 0);
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("corrupt inode attributes", e);
            }
        }
    };

    public Inode {
        if ((attributes.type() == FileType.DIRECTORY) != (parent != null)) {
            throw new IllegalArgumentException("directories, and only they, record a parent: " + attributes);
        }
        if (inline && !attributes.isRegular()) {
            throw new IllegalArgumentException("only regular files are stored inline: " + attributes);
        }
        if (linkable && attributes.nlink() != 0) {
            throw new IllegalArgumentException("only a file without links can be linkable: " + attributes);
        }
    }

    /** An inode that has or had a name. */
    public Inode(Attributes attributes, InodeId parent, boolean inline) {
        this(attributes, parent, inline, false);
    }

    /** An inode whose bytes, if any, live in chunks. */
    public Inode(Attributes attributes, InodeId parent) {
        this(attributes, parent, false);
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

    /** This inode with {@code nlink} links; one that gets a link is no longer linkable. */
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

    /** This inode at {@code sizeBytes}; bytes cut off no longer count as written. */
    public Inode withSize(long sizeBytes) {
        Attributes a = attributes;
        return with(a.mode(), a.uid(), a.gid(), a.nlink(), sizeBytes, a.atimeNanos(), a.mtimeNanos(), a.ctimeNanos())
                .withWritten(a.writtenBytes() < 0 ? -1 : Math.min(a.writtenBytes(), sizeBytes));
    }

    /** This regular file with {@code writtenBytes} of it written (-1: not known); see {@link Attributes}. */
    public Inode withWritten(long writtenBytes) {
        Attributes a = attributes;
        return new Inode(new Attributes(a.inode(), a.type(), a.mode(), a.uid(), a.gid(), a.nlink(), a.sizeBytes(),
                a.atimeNanos(), a.mtimeNanos(), a.ctimeNanos(), a.rdev(), a.layout(), a.symlinkTarget(), writtenBytes),
                parent, inline, linkable);
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
        return new Inode(attributes, newParent, inline, linkable);
    }

    /** This inode with its bytes inline ({@code true}) or in chunks. */
    public Inode withInline(boolean isInline) {
        return new Inode(attributes, parent, isInline, linkable);
    }

    /** This regular file placed by {@code layout} from now on. */
    public Inode withLayout(Layout layout) {
        Attributes a = attributes;
        return new Inode(new Attributes(a.inode(), a.type(), a.mode(), a.uid(), a.gid(), a.nlink(), a.sizeBytes(),
                a.atimeNanos(), a.mtimeNanos(), a.ctimeNanos(), a.rdev(), layout, a.symlinkTarget(), a.writtenBytes()),
                parent, inline, linkable);
    }

    private Inode with(int mode, int uid, int gid, int nlink, long size, long atime, long mtime, long ctime) {
        Attributes a = attributes;
        return new Inode(new Attributes(a.inode(), a.type(), mode & 07777, uid, gid, nlink, size, atime, mtime, ctime,
                a.rdev(), a.layout(), a.symlinkTarget(), a.writtenBytes()), parent, inline, linkable && nlink == 0);
    }
}
