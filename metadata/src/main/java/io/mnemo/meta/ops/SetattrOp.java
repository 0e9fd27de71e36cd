package io.mnemo.meta.ops;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.proto.MetaCommand;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.core.proto.SetattrReq;
import io.mnemo.meta.store.Inode;
import io.mnemo.meta.store.Schema;
import io.mnemo.meta.store.Txn;

/**
 * chmod, chown, truncate and utimens: changes the attributes whose {@code has_*} flag is set.
 * {@code *_now} means the command's time. Any change sets ctime, but for {@code read_access}
 * (a read's atime update, which changes atime alone, of {@code also_read} files too); a size
 * change (truncate) also sets mtime. Only the recorded size changes here: cutting the chunks
 * on the data nodes is the client's business. A file stored inline stays inline: its contents
 * are cut, or extended with zeros, here; a size beyond the inline threshold is EFBIG and
 * changes nothing (the client moves the file to chunks first, then truncates). A deleted inode
 * that is still open (nlink 0) can be changed too.
 *
 * <p>Who may do what, as Linux's {@code vfs_truncate}, {@code setattr_prepare} and
 * {@code notify_change} decide (root may do everything; the checks run in this order):
 * <ul>
 * <li>size: write permission (EACCES), unless through a descriptor open for writing
 *     ({@code size_through_handle}, ftruncate); done by anybody but root it drops S_ISUID, and
 *     S_ISGID if group-executable (see {@link Permissions#modeAfterWrite}). A write does the
 *     same ({@code kill_suidgid}, which changes nothing else).
 * <li>uid: only root may give a file away; the owner may "change" it to itself (EPERM).
 * <li>gid: root, or the owner to a group it belongs to (EPERM).
 *     Changing either of uid and gid of anything but a directory drops S_ISUID, and S_ISGID if
 *     the file is group-executable or the caller (not root) is outside the file's group;
 *     a request with neither changes nothing.
 * <li>mode: the owner or root (EPERM). S_ISGID is silently dropped when a caller other than
 *     root is outside the (new) group. One exception for the FUSE kernel module, which without
 *     {@code handle_killpriv} removes the set-id bits on a write or truncate by sending a chmod
 *     as the writer: a caller with write permission may make a change that only clears
 *     S_ISUID and S_ISGID.
 * <li>times: explicit values need the owner or root (EPERM); setting both to "now" needs the
 *     owner, root, or write permission (EACCES); setting only one of them to "now" needs nothing,
 *     as on Linux.
 * </ul>
 *
 * <p>Errors: ENOENT, EISDIR (size of a directory), EINVAL (size of another non-regular file),
 * EACCES, EPERM, EFBIG (size of an inline file beyond the inline threshold).
 */
public final class SetattrOp {
    private static final int SET_ID_BITS = Permissions.S_ISUID | Permissions.S_ISGID;

    private SetattrOp() {}

    public static MetaResponse apply(Txn txn, MetaCommand cmd, int inlineThresholdBytes) throws FsException {
        SetattrReq req = cmd.getSetattr();
        Permissions who = Permissions.of(cmd.getCaller());
        Inode inode = new Namespace(txn).inode(req.getInode());
        long now = cmd.getNowNs();
        if (req.getReadAccess()) {
            Inode read = inode.withAtime(now);
            txn.put(Schema.INODE, read.id(), read);
            for (long other : req.getAlsoReadList()) {
                if (other > 0) {
                    txn.get(Schema.INODE, new InodeId(other))
                            .ifPresent(i -> txn.put(Schema.INODE, i.id(), i.withAtime(now)));
                }
            }
            return Replies.attr(read);
        }
        if (req.getKillSuidgid()) {
            int mode = who.modeAfterWrite(inode);
            if (mode == inode.attributes().mode()) {
                return Replies.attr(inode);
            }
            Inode killed = inode.withMode(mode).withCtime(now);
            txn.put(Schema.INODE, killed.id(), killed);
            return Replies.attr(killed);
        }
        Inode updated = inode;
        if (req.getHasSize()) {
            inode.requireRegular();
            if (!req.getSizeThroughHandle()) {
                who.require(inode, Permissions.WRITE, "truncate");
            }
            if (inode.inline()) {
                resizeInline(txn, inode, req.getSize(), inlineThresholdBytes);
            }
            updated = updated.withSize(req.getSize()).withMtime(now);
            updated = updated.withMode(who.modeAfterWrite(updated));
        }
        if (req.getHasUid() || req.getHasGid()) {
            updated = chown(who, inode, updated, req);
        }
        if (req.getHasMode()) {
            updated = updated.withMode(chmod(who, inode, updated, req.getMode() & 07777));
        }
        boolean atime = req.getHasAtime() || req.getAtimeNow();
        boolean mtime = req.getHasMtime() || req.getMtimeNow();
        if (atime || mtime) {
            requireMayTouch(who, inode, atime && !req.getAtimeNow() || mtime && !req.getMtimeNow(),
                    atime && mtime && req.getAtimeNow() && req.getMtimeNow());
        }
        if (atime) {
            updated = updated.withAtime(req.getAtimeNow() ? now : req.getAtimeNs());
        }
        if (mtime) {
            updated = updated.withMtime(req.getMtimeNow() ? now : req.getMtimeNs());
        }
        boolean changes = req.getHasSize() || req.getHasMode() || req.getHasUid() || req.getHasGid() || atime || mtime;
        if (changes) {
            updated = updated.withCtime(now);
            txn.put(Schema.INODE, updated.id(), updated);
        }
        return Replies.attr(updated);
    }

    /** Cuts or zero-extends an inline file's contents to {@code size} bytes; EFBIG past the threshold. */
    private static void resizeInline(Txn txn, Inode inode, long size, int inlineThresholdBytes) throws FsException {
        if (size < 0 || size > inlineThresholdBytes) { // size is a u64: "negative" is beyond 2^63
            throw new FsException(Errno.EFBIG, inode.id() + " is stored inline, which holds at most "
                    + inlineThresholdBytes + " bytes: move it to chunks before making it " + size + " bytes long");
        }
        if (size != inode.attributes().sizeBytes()) {
            InlineContents.write(txn, inode.id(), InlineContents.resized(txn, inode.id(), (int) size));
        }
    }

    /** {@code chown_ok}, {@code chgrp_ok} and the set-id bits {@code chown_common} drops. */
    private static Inode chown(Permissions who, Inode inode, Inode updated, SetattrReq req) throws FsException {
        int uid = req.getHasUid() ? req.getUid() : inode.attributes().uid();
        int gid = req.getHasGid() ? req.getGid() : inode.attributes().gid();
        if (!who.isRoot()) {
            if (req.getHasUid() && !(who.owns(inode) && uid == inode.attributes().uid())) {
                throw new FsException(Errno.EPERM, "only root may change the owner of " + inode.id());
            }
            if (req.getHasGid() && !(who.owns(inode) && (gid == inode.attributes().gid() || who.inGroup(gid)))) {
                throw new FsException(Errno.EPERM, "the group of " + inode.id() + " may become only one of the"
                        + " owner's groups");
            }
        }
        int mode = updated.attributes().mode();
        if (!inode.isDirectory()) {
            mode &= ~Permissions.S_ISUID;
            if ((mode & Permissions.S_IXGRP) != 0 || !who.isRoot() && !who.inGroup(inode.attributes().gid())) {
                mode &= ~Permissions.S_ISGID;
            }
        }
        return updated.withOwner(uid, gid).withMode(mode);
    }

    /** The mode a chmod to {@code requested} sets, or EPERM. */
    private static int chmod(Permissions who, Inode inode, Inode updated, int requested) throws FsException {
        if (!who.ownsOrIsRoot(inode)) {
            int current = inode.attributes().mode();
            boolean onlyClearsSetIds = requested != current && (requested & ~SET_ID_BITS) == (current & ~SET_ID_BITS)
                    && (requested & ~current) == 0;
            if (onlyClearsSetIds && who.allows(inode, Permissions.WRITE)) {
                return requested; // the kernel dropping privileges on a write (see the class comment)
            }
            throw new FsException(Errno.EPERM, "chmod: " + inode.id() + " belongs to another user");
        }
        if (!who.isRoot() && !who.inGroup(updated.attributes().gid())) {
            return requested & ~Permissions.S_ISGID;
        }
        return requested;
    }

    private static void requireMayTouch(Permissions who, Inode inode, boolean explicit, boolean bothNow)
            throws FsException {
        if (who.ownsOrIsRoot(inode)) {
            return;
        }
        if (explicit) {
            throw new FsException(Errno.EPERM, "setting times: " + inode.id() + " belongs to another user");
        }
        if (bothNow) {
            who.require(inode, Permissions.WRITE, "touch");
        }
    }
}
