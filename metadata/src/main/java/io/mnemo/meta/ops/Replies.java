package io.mnemo.meta.ops;

import io.mnemo.core.error.FsException;
import io.mnemo.core.proto.InlineData;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.core.proto.Protos;
import io.mnemo.meta.store.Inode;

/** Builders of the {@link MetaResponse}s operations answer with. */
public final class Replies {
    private static final MetaResponse OK = MetaResponse.getDefaultInstance();

    private Replies() {}

    public static MetaResponse ok() {
        return OK;
    }

    public static MetaResponse attr(Inode inode) {
        return MetaResponse.newBuilder().setAttr(Protos.toMsg(inode.attributes())).build();
    }

    /** The attributes, and for a file stored inline its contents ({@code inline}, absent otherwise). */
    static MetaResponse attr(Namespace.Stored stored) {
        MetaResponse.Builder reply = MetaResponse.newBuilder().setAttr(Protos.toMsg(stored.inode().attributes()));
        if (stored.inline() != null) {
            reply.setInline(InlineData.newBuilder().setData(stored.inline()));
        }
        return reply.build();
    }

    public static MetaResponse error(FsException e) {
        return MetaResponse.newBuilder().setErrno(e.errno().code()).setMessage(e.reason()).build();
    }
}
