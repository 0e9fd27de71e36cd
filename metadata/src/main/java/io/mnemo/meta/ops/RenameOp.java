package io.mnemo.meta.ops;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.model.Name;
import io.mnemo.core.proto.MetaCommand;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.core.proto.RenameReq;
import io.mnemo.meta.store.Dentry;
import io.mnemo.meta.store.DentryKey;
import io.mnemo.meta.store.Inode;
import io.mnemo.meta.store.Schema;
import io.mnemo.meta.store.Txn;
import java.util.Optional;

/**
 * rename and renameat2: moves entry {@code src_name} of {@code src_parent} to {@code dst_name}
 * of {@code dst_parent}, replacing a non-directory by a non-directory or an empty directory by
 * a directory. Renaming onto the same inode (the same entry or another hard link of it) does
 * nothing. Both directories get new mtime and ctime, the moved inode a new ctime, a moved
 * directory a new parent, and link counts follow the subdirectories.
 * {@code RENAME_NOREPLACE} (1) refuses an existing target; {@code RENAME_EXCHANGE} (2) swaps
 * two existing entries.
 *
 * <p>Permissions as Linux's {@code vfs_rename}: search permission on both directories; removing
 * the source entry and replacing a target each need write and search permission on their
 * directory and, in a sticky directory, the ownership of that entry or of the directory; a new
 * name needs write and search permission on its directory; a directory that changes parent
 * needs write permission on itself, since its {@code ..} changes.
 *
 * <p>Errors: ENOENT, ENOTDIR (a parent, or a directory onto a non-directory), EISDIR (a
 * non-directory onto a directory), ENOTEMPTY, EEXIST (NOREPLACE), EINVAL (a directory into its
 * own subtree, bad flags or name), EBUSY (the root, addressed as parent 0), EACCES, EPERM (a
 * sticky directory).
 */
public final class RenameOp {
    static final int NOREPLACE = 1;
    static final int EXCHANGE = 2;

    private RenameOp() {}

    public static MetaResponse apply(Txn txn, MetaCommand cmd) throws FsException {
        RenameReq req = cmd.getRename();
        int flags = req.getFlags();
        if ((flags & ~(NOREPLACE | EXCHANGE)) != 0 || flags == (NOREPLACE | EXCHANGE)) {
            throw new FsException(Errno.EINVAL, "bad rename flags " + flags);
        }
        if (req.getSrcParent() == 0 || req.getDstParent() == 0) {
            throw new FsException(Errno.EBUSY, "the root cannot be renamed");
        }
        Namespace ns = new Namespace(txn);
        Name srcName = Namespace.name(req.getSrcName());
        Name dstName = Namespace.name(req.getDstName());
        Permissions who = Permissions.of(cmd.getCaller());
        Inode srcDir = ns.inode(req.getSrcParent()).requireDirectory();
        Inode dstDir = ns.inode(req.getDstParent()).requireDirectory();
        who.requireSearch(srcDir);
        who.requireSearch(dstDir);
        Dentry srcEntry = ns.requireEntry(srcDir.id(), srcName);
        Optional<Dentry> dstEntry = ns.entry(dstDir.id(), dstName);
        if ((flags & EXCHANGE) != 0) {
            Dentry other = dstEntry.orElseThrow(() -> new FsException(Errno.ENOENT, "no entry '" + dstName + "'"));
            return exchange(txn, ns, who, cmd.getNowNs(), srcDir, srcName, srcEntry, dstDir, dstName, other);
        }
        if (dstEntry.isPresent() && (flags & NOREPLACE) != 0) {
            throw new FsException(Errno.EEXIST, "'" + dstName + "' exists");
        }
        Inode src = ns.inode(srcEntry.child());
        if (src.isDirectory() && ns.isWithin(dstDir, src.id())) {
            throw new FsException(Errno.EINVAL, "cannot move " + src.id() + " into its own subtree");
        }
        if (dstEntry.isPresent() && dstEntry.get().child().equals(srcEntry.child())) {
            return Replies.ok(); // the same inode: POSIX says do nothing
        }
        who.requireMayRemove(srcDir, src);
        Inode replaced = null;
        if (dstEntry.isPresent()) {
            replaced = ns.inode(dstEntry.get().child());
            who.requireMayRemove(dstDir, replaced);
            if (src.isDirectory()) {
                replaced.requireDirectory();
            } else {
                replaced.requireNotDirectory();
            }
        } else {
            who.requireModifiable(dstDir);
        }
        boolean newParent = !srcDir.id().equals(dstDir.id());
        if (newParent && src.isDirectory()) {
            who.require(src, Permissions.WRITE, "moving a directory (its '..' changes)");
        }
        if (replaced != null && replaced.isDirectory()) {
            ns.requireEmpty(replaced);
        }

        long now = cmd.getNowNs();
        int srcDirLinks = src.isDirectory() ? -1 : 0;
        int dstDirLinks = src.isDirectory() ? 1 : 0;
        if (replaced != null) {
            if (replaced.isDirectory()) {
                Links.dropDirectory(txn, replaced);
                dstDirLinks--;
            } else {
                Links.dropFileLink(txn, replaced, now);
            }
        }
        txn.delete(Schema.DENTRY, new DentryKey(srcDir.id(), srcName));
        txn.put(Schema.DENTRY, new DentryKey(dstDir.id(), dstName), new Dentry(src.id(), src.type()));
        txn.put(Schema.INODE, src.id(), moved(src, dstDir.id(), now));
        updateDirectories(txn, now, srcDir, srcDirLinks, dstDir, dstDirLinks);
        return Replies.ok();
    }

    private static MetaResponse exchange(Txn txn, Namespace ns, Permissions who, long now, Inode srcDir,
            Name srcName, Dentry srcEntry, Inode dstDir, Name dstName, Dentry dstEntry) throws FsException {
        if (srcEntry.child().equals(dstEntry.child())) {
            return Replies.ok();
        }
        if (dstEntry.child().equals(InodeId.ROOT)) {
            throw new FsException(Errno.EBUSY, "the root cannot be renamed");
        }
        Inode a = ns.inode(srcEntry.child());
        Inode b = ns.inode(dstEntry.child());
        if (a.isDirectory() && ns.isWithin(dstDir, a.id()) || b.isDirectory() && ns.isWithin(srcDir, b.id())) {
            throw new FsException(Errno.EINVAL, "cannot move a directory into its own subtree");
        }
        who.requireMayRemove(srcDir, a);
        who.requireMayRemove(dstDir, b);
        if (!srcDir.id().equals(dstDir.id())) {
            if (a.isDirectory()) {
                who.require(a, Permissions.WRITE, "moving a directory (its '..' changes)");
            }
            if (b.isDirectory()) {
                who.require(b, Permissions.WRITE, "moving a directory (its '..' changes)");
            }
        }
        int aDir = a.isDirectory() ? 1 : 0;
        int bDir = b.isDirectory() ? 1 : 0;
        txn.put(Schema.DENTRY, new DentryKey(srcDir.id(), srcName), new Dentry(b.id(), b.type()));
        txn.put(Schema.DENTRY, new DentryKey(dstDir.id(), dstName), new Dentry(a.id(), a.type()));
        txn.put(Schema.INODE, a.id(), moved(a, dstDir.id(), now));
        txn.put(Schema.INODE, b.id(), moved(b, srcDir.id(), now));
        updateDirectories(txn, now, srcDir, bDir - aDir, dstDir, aDir - bDir);
        return Replies.ok();
    }

    private static Inode moved(Inode inode, InodeId newParent, long now) {
        Inode changed = inode.withCtime(now);
        return inode.isDirectory() ? changed.withParent(newParent) : changed;
    }

    private static void updateDirectories(Txn txn, long now, Inode srcDir, int srcLinks, Inode dstDir, int dstLinks) {
        if (srcDir.id().equals(dstDir.id())) {
            txn.put(Schema.INODE, srcDir.id(),
                    srcDir.withContentsChanged(now).withNlink(srcDir.nlink() + srcLinks + dstLinks));
        } else {
            txn.put(Schema.INODE, srcDir.id(), srcDir.withContentsChanged(now).withNlink(srcDir.nlink() + srcLinks));
            txn.put(Schema.INODE, dstDir.id(), dstDir.withContentsChanged(now).withNlink(dstDir.nlink() + dstLinks));
        }
    }
}
