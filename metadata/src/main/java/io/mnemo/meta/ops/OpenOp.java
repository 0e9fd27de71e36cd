package io.mnemo.meta.ops;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.proto.Caller;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.core.proto.OpenReq;
import io.mnemo.meta.store.Inode;
import io.mnemo.meta.store.ReadView;

/**
 * open(2) of an existing inode: checks that the caller may open it with {@code flags} and
 * answers its attributes, and for a file stored inline its whole contents (in {@code inline},
 * whatever the access mode: the client keeps an inline file whole in memory while it is open,
 * and writes it back whole). Recording that the session holds it open is the caller's business
 * (the leader's in-memory session table), which tells this operation whether the session
 * already held the inode before this open.
 *
 * <p>The access mode asks for read (O_RDONLY), write (O_WRONLY) or both (O_RDWR, and the
 * invalid 3 as Linux treats it); O_TRUNC asks for write too. As Linux's {@code may_open}:
 * a symlink is ELOOP (O_NOFOLLOW), a directory opened for writing EISDIR, then EACCES for
 * missing permission, then EPERM for O_NOATIME by anybody but the owner or root. A caller that
 * has just created the inode ({@code created}, honoured only for its owner) is not checked, since
 * open(2) grants the creator any access mode whatever mode it gave the file.
 *
 * <p>A deleted inode (nlink 0) may only be opened again by a session that holds it open
 * already; to anybody else it no longer exists (ENOENT), so that the collector may delete its
 * chunks once its last holder is gone.
 *
 * <p>Errors: ENOENT, ELOOP, EISDIR, EACCES, EPERM.
 */
public final class OpenOp {
    static final int O_ACCMODE = 03;
    static final int O_TRUNC = 01000;
    static final int O_NOATIME = 01000000;
    /** The permission each access mode needs, indexed by {@code flags & O_ACCMODE}. */
    private static final int[] ACCESS = {Permissions.READ, Permissions.WRITE,
        Permissions.READ | Permissions.WRITE, Permissions.READ | Permissions.WRITE};

    private OpenOp() {}

    public static MetaResponse run(ReadView view, Caller caller, OpenReq req, boolean heldAlready)
            throws FsException {
        Namespace.Stored stored = new Namespace(view).stored(req.getInode());
        Inode inode = stored.inode();
        if (inode.nlink() == 0 && !heldAlready) {
            throw new FsException(Errno.ENOENT, inode.id() + " has been deleted");
        }
        int flags = req.getFlags();
        int mask = ACCESS[flags & O_ACCMODE];
        if ((flags & O_TRUNC) != 0) {
            mask |= Permissions.WRITE;
        }
        switch (inode.type()) {
            case SYMLINK -> throw new FsException(Errno.ELOOP, inode.id() + " is a symlink");
            case DIRECTORY -> {
                if ((mask & Permissions.WRITE) != 0) {
                    throw new FsException(Errno.EISDIR, inode.id() + " is a directory");
                }
            }
            default -> { }
        }
        Permissions who = Permissions.of(caller);
        if (!(req.getCreated() && who.owns(inode))) {
            who.require(inode, mask, "open");
        }
        if ((flags & O_NOATIME) != 0) {
            who.requireOwner(inode, "O_NOATIME");
        }
        return Replies.attr(stored);
    }
}
