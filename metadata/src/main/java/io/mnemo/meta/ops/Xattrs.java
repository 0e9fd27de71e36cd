package io.mnemo.meta.ops;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.InodeId;
import io.mnemo.meta.cluster.LayoutSpec;
import io.mnemo.meta.store.Inode;
import io.mnemo.meta.store.Keys;
import io.mnemo.meta.store.ReadView;
import io.mnemo.meta.store.Row;
import io.mnemo.meta.store.Schema;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * Extended-attribute names, limits and access rules shared by the xattr operations, after
 * Linux's {@code fs/xattr.c} ({@code xattr_permission}, {@code xattr_resolve_name}) and
 * {@code cap_inode_setxattr}.
 *
 * <p>Who may read and write which namespace:
 * <ul>
 * <li>{@code user.}: regular files and directories only (others: EPERM to write, ENODATA to
 *     read); reading needs read permission, writing write permission (EACCES), and in a sticky
 *     directory only its owner or root may write (EPERM).
 * <li>{@code trusted.}: root only; others get EPERM on writes, and ENODATA on reads and never
 *     see these names listed.
 * <li>{@code security.}: anybody reads, only root writes (EPERM).
 * <li>{@code system.}: anybody reads, the owner or root writes (EPERM). POSIX ACLs
 *     ({@code system.posix_acl_*}) are not supported (ENOTSUP): Mnemo would store them without
 *     enforcing them.
 * </ul>
 * Any other prefix is ENOTSUP, a bare prefix EINVAL, after the generic permission check.
 *
 * <p>One name is special, {@link LayoutSpec#XATTR} ({@code user.mnemo.layout}), under the usual
 * {@code user.} rules: on a directory it is an ordinary attribute whose value must be a valid
 * {@link LayoutSpec} and is stored normalized; on a regular file it is not stored but stands for
 * the file's actual layout (see {@code GetxattrOp}, {@code SetxattrOp}, {@code RemovexattrOp}).
 */
final class Xattrs {
    /** XATTR_NAME_MAX. */
    static final int MAX_NAME_BYTES = 255;
    /** XATTR_SIZE_MAX: 64 KiB. */
    static final int MAX_VALUE_BYTES = 1 << 16;
    /** XATTR_LIST_MAX: what listxattr(2) can return, each name with its NUL. */
    static final int MAX_LIST_BYTES = 1 << 16;
    /** All values of one inode together; keeps one inode's xattrs from filling the metadata store. */
    static final int MAX_TOTAL_VALUE_BYTES = 1 << 20;
    /** More xattrs than {@link #MAX_LIST_BYTES} allows; bounds scans. */
    static final int MAX_COUNT = MAX_LIST_BYTES / 2;

    static final int XATTR_CREATE = 1;
    static final int XATTR_REPLACE = 2;

    private Xattrs() {}

    /** The namespaces; {@link #OTHER} is any prefix Mnemo does not support. */
    enum Space {
        USER("user."), TRUSTED("trusted."), SECURITY("security."), SYSTEM("system."), OTHER("");

        final String prefix;

        Space(String prefix) {
            this.prefix = prefix;
        }
    }

    /** A checked attribute name: 1 to 255 bytes, no NUL. */
    record Name(String text, byte[] bytes, Space space) {
        /** ERANGE if empty or longer than 255 bytes (what {@code setxattr(2)} answers), EINVAL with a NUL. */
        static Name of(String text) throws FsException {
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            if (bytes.length == 0 || bytes.length > MAX_NAME_BYTES) {
                throw new FsException(Errno.ERANGE, "xattr names have 1 to " + MAX_NAME_BYTES + " bytes");
            }
            if (text.indexOf('\0') >= 0) {
                throw new FsException(Errno.EINVAL, "xattr name contains NUL");
            }
            Space space = Space.OTHER;
            for (Space s : Space.values()) {
                if (s != Space.OTHER && text.startsWith(s.prefix)) {
                    space = s;
                }
            }
            return new Name(text, bytes, space);
        }

        /** ENOTSUP for an unknown namespace or a POSIX ACL, EINVAL for a bare prefix. */
        void requireSupported() throws FsException {
            if (space == Space.OTHER) {
                throw new FsException(Errno.ENOTSUP, "xattr namespace of '" + text + "' is not supported");
            }
            if (text.length() == space.prefix.length()) {
                throw new FsException(Errno.EINVAL, "xattr name '" + text + "' is only a namespace");
            }
            if (text.startsWith("system.posix_acl_")) {
                throw new FsException(Errno.ENOTSUP, "POSIX ACLs are not supported");
            }
        }

        byte[] key(Inode inode) {
            return Keys.xattr(inode.id(), bytes);
        }

        boolean isLayout() {
            return text.equals(LayoutSpec.XATTR);
        }
    }

    /** The xattr family key of a directory's layout. */
    static byte[] layoutKey(InodeId inode) {
        return Keys.xattr(inode, LayoutSpec.XATTR.getBytes(StandardCharsets.UTF_8));
    }

    /** The layout of directory {@code dir}, if it has a valid one. */
    static Optional<LayoutSpec> layoutOf(ReadView view, InodeId dir) {
        return view.get(Schema.XATTR, layoutKey(dir)).flatMap(LayoutSpec::parseStored);
    }

    /** What changing or removing attribute {@code name} of {@code inode} needs. */
    static void requireWritable(Permissions who, Inode inode, Name name) throws FsException {
        switch (name.space()) {
            case TRUSTED, SECURITY -> {
                if (!who.isRoot()) {
                    throw new FsException(Errno.EPERM, "only root may change " + name.space().prefix + "* xattrs");
                }
            }
            case SYSTEM -> who.requireOwner(inode, "changing " + name.text());
            case USER -> {
                if (!userAttributesAllowed(inode)) {
                    throw new FsException(Errno.EPERM, "user.* xattrs belong on regular files and directories only");
                }
                if (inode.isDirectory() && (inode.attributes().mode() & Permissions.S_ISVTX) != 0) {
                    who.requireOwner(inode, "changing user.* xattrs of a sticky directory");
                }
                who.require(inode, Permissions.WRITE, "setxattr");
            }
            case OTHER -> who.require(inode, Permissions.WRITE, "setxattr");
        }
    }

    /** What reading attribute {@code name} of {@code inode} needs: ENODATA where it cannot exist for the caller. */
    static void requireReadable(Permissions who, Inode inode, Name name) throws FsException {
        switch (name.space()) {
            case TRUSTED -> {
                if (!who.isRoot()) {
                    throw absent(inode, name);
                }
            }
            case SECURITY, SYSTEM -> { }
            case USER -> {
                if (!userAttributesAllowed(inode)) {
                    throw absent(inode, name);
                }
                who.require(inode, Permissions.READ, "getxattr");
            }
            case OTHER -> who.require(inode, Permissions.READ, "getxattr");
        }
    }

    /** Whether the caller may see name {@code text} in a listing. */
    static boolean listable(Permissions who, String text) {
        return who.isRoot() || !text.startsWith(Space.TRUSTED.prefix);
    }

    static FsException absent(Inode inode, Name name) {
        return new FsException(Errno.ENODATA, inode.id() + " has no xattr '" + name.text() + "'");
    }

    /** Every xattr of the inode, in name order. */
    static List<Row<byte[], byte[]>> all(ReadView view, Inode inode) {
        return view.scan(Schema.XATTR, Keys.xattrStart(inode.id()), Keys.xattrEnd(inode.id()), MAX_COUNT + 1);
    }

    private static boolean userAttributesAllowed(Inode inode) {
        return inode.isDirectory() || inode.attributes().isRegular();
    }
}
