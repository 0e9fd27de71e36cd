package io.mnemo.meta.ops;

import io.mnemo.core.error.FsException;
import io.mnemo.core.proto.Caller;
import io.mnemo.core.proto.LookupReq;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.meta.store.Inode;
import io.mnemo.meta.store.ReadView;

/**
 * lookup: the attributes of entry {@code name} in directory {@code parent}: a point get of the
 * entry, then of the inode. Never the contents of an inline file: {@code ls -l} and path walks
 * look up far more files than they read, so the bytes come with open only.
 * {@code .} is the directory itself and {@code ..} its parent. The
 * caller needs search permission on the directory: clients resolve a path one component at a
 * time, so this checks every directory on the way, as the kernel's path walk does.
 *
 * <p>Errors: ENOENT, ENOTDIR, EACCES, EINVAL and ENAMETOOLONG (bad name).
 */
public final class LookupOp {
    private LookupOp() {}

    public static MetaResponse run(ReadView view, Caller caller, LookupReq req) throws FsException {
        Namespace ns = new Namespace(view);
        Inode dir = ns.inode(req.getParent()).requireDirectory();
        Permissions.of(caller).requireSearch(dir);
        byte[] name = req.getName().toByteArray();
        if (name.length == 1 && name[0] == '.') {
            return Replies.attr(dir);
        }
        if (name.length == 2 && name[0] == '.' && name[1] == '.') {
            return Replies.attr(ns.inode(dir.parent()));
        }
        return Replies.attr(ns.inode(ns.requireEntry(dir.id(), Namespace.name(req.getName())).child()));
    }
}
