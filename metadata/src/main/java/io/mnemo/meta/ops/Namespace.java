package io.mnemo.meta.ops;

import com.google.protobuf.ByteString;
import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.model.Name;
import io.mnemo.meta.store.Both;
import io.mnemo.meta.store.Dentry;
import io.mnemo.meta.store.DentryKey;
import io.mnemo.meta.store.Inode;
import io.mnemo.meta.store.Keys;
import io.mnemo.meta.store.ReadView;
import io.mnemo.meta.store.Schema;
import java.util.Optional;

/** Guarded reads of inodes and entries that throw the errno POSIX asks for. */
final class Namespace {
    private final ReadView view;

    Namespace(ReadView view) {
        this.view = view;
    }

    /** The inode, or ENOENT. */
    Inode inode(long id) throws FsException {
        if (id <= 0) {
            throw new FsException(Errno.ENOENT, "no inode " + id);
        }
        return inode(new InodeId(id));
    }

    Inode inode(InodeId id) throws FsException {
        return view.get(Schema.INODE, id).orElseThrow(() -> new FsException(Errno.ENOENT, "no " + id));
    }

    /** An inode and, if it is stored inline, its contents: one multi-get, so the two agree. ENOENT if absent. */
    Stored stored(long id) throws FsException {
        if (id <= 0) {
            throw new FsException(Errno.ENOENT, "no inode " + id);
        }
        return stored(new InodeId(id));
    }

    Stored stored(InodeId id) throws FsException {
        Both<Inode, ByteString> both = view.get(Schema.INODE, Schema.INLINE, id);
        Inode inode = both.first().orElseThrow(() -> new FsException(Errno.ENOENT, "no " + id));
        return new Stored(inode, inode.inline() ? both.second().orElse(ByteString.EMPTY) : null);
    }

    /**
     * An inode as {@link #stored} reads it.
     *
     * @param inline the whole contents of a file stored inline; null for any other inode
     */
    record Stored(Inode inode, ByteString inline) {}

    Optional<Dentry> entry(InodeId dir, Name name) {
        return view.get(Schema.DENTRY, new DentryKey(dir, name));
    }

    /** The entry, or ENOENT. */
    Dentry requireEntry(InodeId dir, Name name) throws FsException {
        return entry(dir, name).orElseThrow(() -> new FsException(Errno.ENOENT, "no entry '" + name + "' in " + dir));
    }

    /** ENOTEMPTY unless the directory has no entries. */
    void requireEmpty(Inode dir) throws FsException {
        if (!view.scan(Schema.DENTRY, Keys.dentryStart(dir.id()), Keys.dentryEnd(dir.id()), 1).isEmpty()) {
            throw new FsException(Errno.ENOTEMPTY, dir.id() + " is not empty");
        }
    }

    /** True if {@code dir} is {@code ancestor} or lies below it, following parent pointers up to the root. */
    boolean isWithin(Inode dir, InodeId ancestor) throws FsException {
        Inode at = dir;
        for (int depth = 0; ; depth++) {
            if (at.id().equals(ancestor)) {
                return true;
            }
            if (at.id().equals(InodeId.ROOT)) {
                return false;
            }
            if (depth > 1_000_000) {
                throw new IllegalStateException("parent pointers of " + dir.id() + " form a cycle");
            }
            at = inode(at.parent());
        }
    }

    static Name name(ByteString bytes) throws FsException {
        return Name.of(bytes.toByteArray());
    }
}
