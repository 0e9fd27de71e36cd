package io.mnemo.meta.ops;

import io.mnemo.core.error.FsException;
import io.mnemo.core.proto.GetattrReq;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.meta.store.ReadView;

/**
 * getattr: the attributes of one inode (never an inline file's contents, which come with open).
 * Errors: ENOENT.
 */
public final class GetattrOp {
    private GetattrOp() {}

    public static MetaResponse run(ReadView view, GetattrReq req) throws FsException {
        return Replies.attr(new Namespace(view).inode(req.getInode()));
    }
}
