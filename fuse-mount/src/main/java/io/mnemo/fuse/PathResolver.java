package io.mnemo.fuse;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import io.mnemo.core.client.MnemoClient;
import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.Attributes;
import io.mnemo.core.model.Caller;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.model.Name;
import java.time.Duration;

/**
 * Turns the paths that libfuse's high-level API passes into inodes. Directory inodes are
 * cached for the entry timeout (the same staleness the kernel's own dentry cache allows), so
 * resolving {@code /a/b/c} costs one lookup, not three. Changes made through this mount drop
 * the cache entries they affect at once.
 */
final class PathResolver {
    /** A path's parent directory and last name. */
    record Parent(InodeId dir, Name name) {}

    private final MnemoClient client;
    private final Cache<String, InodeId> directories;

    PathResolver(MnemoClient client, Duration ttl) {
        this.client = client;
        this.directories = CacheBuilder.newBuilder().expireAfterWrite(ttl).maximumSize(100_000).build();
    }

    /** The attributes at {@code path}, fresh from the metadata server. */
    Attributes attributes(String path, Caller caller) throws FsException {
        if (path.equals("/")) {
            return client.getattr(InodeId.ROOT);
        }
        Parent p = parent(path, caller);
        try {
            Attributes a = client.lookup(p.dir(), p.name(), caller);
            if (a.isDirectory()) {
                directories.put(path, a.inode());
            }
            return a;
        } catch (FsException e) {
            if (e.errno() == Errno.ENOENT || e.errno() == Errno.ENOTDIR) {
                directories.invalidate(path);
            }
            throw e;
        }
    }

    InodeId inode(String path, Caller caller) throws FsException {
        if (path.equals("/")) {
            return InodeId.ROOT;
        }
        InodeId cached = directories.getIfPresent(path);
        return cached != null ? cached : attributes(path, caller).inode();
    }

    Parent parent(String path, Caller caller) throws FsException {
        int slash = path.lastIndexOf('/');
        if (slash < 0 || slash == path.length() - 1) {
            throw new FsException(Errno.EINVAL, "not an absolute path to an entry: " + path);
        }
        String dirPath = slash == 0 ? "/" : path.substring(0, slash);
        InodeId dir = directory(dirPath, caller);
        return new Parent(dir, Name.of(path.substring(slash + 1)));
    }

    private InodeId directory(String path, Caller caller) throws FsException {
        if (path.equals("/")) {
            return InodeId.ROOT;
        }
        InodeId cached = directories.getIfPresent(path);
        if (cached != null) {
            return cached;
        }
        Attributes a = attributes(path, caller);
        if (!a.isDirectory()) {
            throw new FsException(Errno.ENOTDIR, path + " is not a directory");
        }
        return a.inode();
    }

    /** {@code path} was removed or renamed through this mount: forget it and everything under it. */
    void forget(String path) {
        directories.invalidate(path);
        String prefix = path + "/";
        directories.asMap().keySet().removeIf(k -> k.startsWith(prefix));
    }
}
