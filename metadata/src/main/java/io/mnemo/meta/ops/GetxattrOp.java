package io.mnemo.meta.ops;

import com.google.protobuf.ByteString;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.Layout;
import io.mnemo.core.proto.Caller;
import io.mnemo.core.proto.GetxattrReq;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.core.proto.XattrReply;
import io.mnemo.meta.cluster.LayoutSpec;
import io.mnemo.meta.store.Inode;
import io.mnemo.meta.store.ReadView;
import io.mnemo.meta.store.Schema;
import java.nio.charset.StandardCharsets;

/**
 * getxattr: the value of attribute {@code name} of {@code inode}, in {@code xattr.value}. Who
 * may read what is in {@link Xattrs}. The caller's buffer size is the client's business (ERANGE
 * there).
 *
 * <p>{@code user.mnemo.layout} of a regular file is its actual layout, computed rather than stored,
 * e.g. {@code chunk_size=4194304 stripe=3 chains=1,2,3} (see {@link LayoutSpec#describe}); of a
 * directory it is the stored attribute.
 *
 * <p>Errors: ERANGE (a name of 0 or over 255 bytes), EINVAL, ENOENT, EACCES, ENOTSUP, ENODATA (no
 * such attribute, or one the caller may not see).
 */
public final class GetxattrOp {
    private GetxattrOp() {}

    public static MetaResponse run(ReadView view, Caller caller, GetxattrReq req) throws FsException {
        Xattrs.Name name = Xattrs.Name.of(req.getName());
        Permissions who = Permissions.of(caller);
        Inode inode = new Namespace(view).inode(req.getInode());
        Xattrs.requireReadable(who, inode, name);
        name.requireSupported();
        byte[] value;
        if (name.isLayout() && inode.attributes().isRegular()) {
            Layout layout = inode.attributes().layout();
            if (layout == null) {
                throw Xattrs.absent(inode, name);
            }
            value = LayoutSpec.describe(layout).getBytes(StandardCharsets.UTF_8);
        } else {
            value = view.get(Schema.XATTR, name.key(inode)).orElseThrow(() -> Xattrs.absent(inode, name));
        }
        return MetaResponse.newBuilder().setXattr(XattrReply.newBuilder().setValue(ByteString.copyFrom(value))).build();
    }
}
