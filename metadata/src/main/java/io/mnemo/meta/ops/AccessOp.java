package io.mnemo.meta.ops;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.proto.AccessReq;
import io.mnemo.core.proto.Caller;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.meta.store.Inode;
import io.mnemo.meta.store.ReadView;

/**
 * access(2): whether the caller may do everything {@code mask} asks (R_OK 4, W_OK 2, X_OK 1; 0
 * only asks that the inode exists), by the rules in {@link Permissions}: root may read and write
 * anything, and execute a directory or anything with an x bit. Answers success or an errno.
 *
 * <p>Errors: ENOENT, EINVAL (other mask bits), EACCES.
 */
public final class AccessOp {
    private AccessOp() {}

    public static MetaResponse run(ReadView view, Caller caller, AccessReq req) throws FsException {
        int mask = req.getMask();
        if ((mask & ~(Permissions.READ | Permissions.WRITE | Permissions.EXEC)) != 0) {
            throw new FsException(Errno.EINVAL, "bad access mask " + mask);
        }
        Inode inode = new Namespace(view).inode(req.getInode());
        Permissions.of(caller).require(inode, mask, "access");
        return Replies.ok();
    }
}
