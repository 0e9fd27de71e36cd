package io.mnemo.meta.ops;

import com.google.protobuf.ByteString;
import io.mnemo.core.error.FsException;
import io.mnemo.core.proto.Caller;
import io.mnemo.core.proto.DirEntryMsg;
import io.mnemo.core.proto.DirPage;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.core.proto.Protos;
import io.mnemo.core.proto.ReaddirReq;
import io.mnemo.meta.store.Dentry;
import io.mnemo.meta.store.DentryKey;
import io.mnemo.meta.store.Inode;
import io.mnemo.meta.store.Keys;
import io.mnemo.meta.store.ReadView;
import io.mnemo.meta.store.Row;
import io.mnemo.meta.store.Schema;
import java.util.List;

/**
 * readdir: one page of a directory's entries in name order, starting after the name
 * {@code after} (the cookie; empty for the first page). A range scan of the directory's key
 * prefix, so every page costs the same however large the directory. {@code .} and {@code ..}
 * are not stored and not listed. The caller needs read permission on the directory (checked
 * for every page: there is no open directory handle on the server). Asked {@code with_attributes},
 * each entry carries its inode's attributes too (as FUSE's READDIRPLUS wants, saving a lookup
 * per name); an entry whose inode is gone meanwhile goes without.
 *
 * <p>Errors: ENOENT, ENOTDIR, EACCES.
 */
public final class ReaddirOp {
    /** Entries per page when the request asks for none, and at most. */
    public static final int DEFAULT_LIMIT = 1024;
    public static final int MAX_LIMIT = 8192;

    private ReaddirOp() {}

    public static MetaResponse run(ReadView view, Caller caller, ReaddirReq req) throws FsException {
        Inode dir = new Namespace(view).inode(req.getDir()).requireDirectory();
        Permissions.of(caller).require(dir, Permissions.READ, "readdir");
        int limit = req.getLimit() == 0 ? DEFAULT_LIMIT : Math.min(req.getLimit(), MAX_LIMIT);
        byte[] start = Keys.dentryStart(dir.id());
        byte[] from = start;
        if (!req.getAfter().isEmpty()) {
            byte[] after = req.getAfter().toByteArray();
            byte[] cookie = new byte[start.length + after.length];
            System.arraycopy(start, 0, cookie, 0, start.length);
            System.arraycopy(after, 0, cookie, start.length, after.length);
            from = Keys.justAfter(cookie);
        }
        // One row more than asked tells whether another page follows.
        List<Row<DentryKey, Dentry>> rows = view.scan(Schema.DENTRY, from, Keys.dentryEnd(dir.id()), limit + 1);
        DirPage.Builder page = DirPage.newBuilder().setMore(rows.size() > limit);
        for (Row<DentryKey, Dentry> row : rows.subList(0, Math.min(limit, rows.size()))) {
            DirEntryMsg.Builder entry = DirEntryMsg.newBuilder()
                    .setName(ByteString.copyFrom(row.key().name().bytes()))
                    .setInode(row.value().child().value())
                    .setType(row.value().type().ordinal());
            if (req.getWithAttributes()) {
                view.get(Schema.INODE, row.value().child()).ifPresent(i -> entry.setAttr(Protos.toMsg(i.attributes())));
            }
            page.addEntries(entry);
        }
        return MetaResponse.newBuilder().setDirPage(page).build();
    }
}
