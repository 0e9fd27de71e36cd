package io.mnemo.meta.ops;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.Layout;
import io.mnemo.core.proto.MetaCommand;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.core.proto.SetxattrReq;
import io.mnemo.meta.cluster.LayoutPolicy;
import io.mnemo.meta.cluster.LayoutSpec;
import io.mnemo.meta.store.Inode;
import io.mnemo.meta.store.Keys;
import io.mnemo.meta.store.Row;
import io.mnemo.meta.store.Schema;
import io.mnemo.meta.store.Txn;
import java.util.Arrays;

/**
 * setxattr: sets attribute {@code name} of {@code inode} to {@code value}. {@code XATTR_CREATE}
 * (1) refuses an existing attribute, {@code XATTR_REPLACE} (2) a missing one. The inode's ctime
 * changes. Who may set what is in {@link Xattrs}; the checks run in Linux's order: flags, name
 * and value size, the inode, permission, namespace, then existence.
 *
 * <p>{@code user.mnemo.layout} ({@link LayoutSpec}) must hold a valid layout (EINVAL otherwise,
 * changing nothing). A directory stores it normalized, for what is created in it from then on.
 * A regular file stores nothing: while it is empty (size 0) it is given a new layout, chosen as
 * for a new file with these values over its current ones (see {@link LayoutPolicy#withSpec});
 * once it has data its layout cannot change (EINVAL). A file always has a layout, so
 * {@code XATTR_CREATE} is EEXIST there.
 *
 * <p>Errors: EINVAL (unknown flags, a bare namespace prefix, a NUL in the name, a bad layout, the
 * layout of a non-empty file), ERANGE (a name of
 * 0 or over 255 bytes; also a value over 64 KiB, where Linux says E2BIG, which Mnemo's errno set
 * lacks), ENOENT, EPERM, EACCES, ENOTSUP (unknown namespace, POSIX ACLs), EEXIST, ENODATA, ENOSPC
 * (the inode's names would exceed 64 KiB, or its values 1 MiB).
 */
public final class SetxattrOp {
    private SetxattrOp() {}

    public static MetaResponse apply(Txn txn, MetaCommand cmd) throws FsException {
        SetxattrReq req = cmd.getSetxattr();
        int flags = req.getFlags();
        if ((flags & ~(Xattrs.XATTR_CREATE | Xattrs.XATTR_REPLACE)) != 0) {
            throw new FsException(Errno.EINVAL, "bad setxattr flags " + flags);
        }
        Xattrs.Name name = Xattrs.Name.of(req.getName());
        byte[] value = req.getValue().toByteArray();
        if (value.length > Xattrs.MAX_VALUE_BYTES) {
            throw new FsException(Errno.ERANGE, "xattr values hold at most " + Xattrs.MAX_VALUE_BYTES + " bytes");
        }
        Permissions who = Permissions.of(cmd.getCaller());
        Inode inode = new Namespace(txn).inode(req.getInode());
        Xattrs.requireWritable(who, inode, name);
        name.requireSupported();
        if (name.isLayout()) {
            LayoutSpec spec = LayoutSpec.parse(value);
            if (inode.attributes().isRegular()) {
                return setFileLayout(txn, cmd, inode, spec);
            }
            value = spec.toBytes();
        }
        byte[] key = name.key(inode);
        boolean exists = txn.get(Schema.XATTR, key).isPresent();
        if (exists && (flags & Xattrs.XATTR_CREATE) != 0) {
            throw new FsException(Errno.EEXIST, inode.id() + " already has xattr '" + name.text() + "'");
        }
        if (!exists && (flags & Xattrs.XATTR_REPLACE) != 0) {
            throw Xattrs.absent(inode, name);
        }
        requireRoom(txn, inode, name, value.length);
        txn.put(Schema.XATTR, key, value);
        Inode changed = inode.withCtime(cmd.getNowNs());
        txn.put(Schema.INODE, inode.id(), changed);
        return Replies.ok();
    }

    private static MetaResponse setFileLayout(Txn txn, MetaCommand cmd, Inode file, LayoutSpec spec)
            throws FsException {
        if ((cmd.getSetxattr().getFlags() & Xattrs.XATTR_CREATE) != 0) {
            throw new FsException(Errno.EEXIST, file.id() + " has a layout already (every regular file has one)");
        }
        Layout current = file.attributes().layout();
        if (file.attributes().sizeBytes() != 0 || current == null) {
            throw new FsException(Errno.EINVAL, "layout of a non-empty file cannot change (" + file.id() + " has "
                    + file.attributes().sizeBytes() + " bytes)");
        }
        Layout next = LayoutPolicy.withSpec(txn, file.id(), spec, current)
                .orElseThrow(() -> new FsException(Errno.ENOSPC, "no chains to place " + file.id() + " on"));
        txn.put(Schema.INODE, file.id(), file.withLayout(next).withCtime(cmd.getNowNs()));
        return Replies.ok();
    }

    /** ENOSPC unless the inode's names and values stay within the limits with this one set. */
    private static void requireRoom(Txn txn, Inode inode, Xattrs.Name name, int valueBytes) throws FsException {
        long listBytes = name.bytes().length + 1;
        long totalValueBytes = valueBytes;
        for (Row<byte[], byte[]> row : Xattrs.all(txn, inode)) {
            byte[] other = Keys.xattrName(row.key());
            if (!Arrays.equals(other, name.bytes())) {
                listBytes += other.length + 1;
                totalValueBytes += row.value().length;
            }
        }
        if (listBytes > Xattrs.MAX_LIST_BYTES || totalValueBytes > Xattrs.MAX_TOTAL_VALUE_BYTES) {
            throw new FsException(Errno.ENOSPC, "no room for another xattr on " + inode.id());
        }
    }
}
