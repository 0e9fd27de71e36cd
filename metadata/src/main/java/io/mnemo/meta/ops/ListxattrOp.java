package io.mnemo.meta.ops;

import io.mnemo.core.error.FsException;
import io.mnemo.core.proto.Caller;
import io.mnemo.core.proto.ListxattrReq;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.core.proto.XattrReply;
import io.mnemo.meta.store.Inode;
import io.mnemo.meta.store.Keys;
import io.mnemo.meta.store.ReadView;
import io.mnemo.meta.store.Row;
import java.nio.charset.StandardCharsets;

/**
 * listxattr: the names of the attributes of {@code inode}, in byte order, in
 * {@code xattr.names}. Like Linux it needs no permission, but only root sees {@code trusted.*}
 * names. At most 64 KiB of names exist (see {@link Xattrs}).
 *
 * <p>Errors: ENOENT.
 */
public final class ListxattrOp {
    private ListxattrOp() {}

    public static MetaResponse run(ReadView view, Caller caller, ListxattrReq req) throws FsException {
        Permissions who = Permissions.of(caller);
        Inode inode = new Namespace(view).inode(req.getInode());
        XattrReply.Builder reply = XattrReply.newBuilder();
        for (Row<byte[], byte[]> row : Xattrs.all(view, inode)) {
            String name = new String(Keys.xattrName(row.key()), StandardCharsets.UTF_8);
            if (Xattrs.listable(who, name)) {
                reply.addNames(name);
            }
        }
        return MetaResponse.newBuilder().setXattr(reply).build();
    }
}
