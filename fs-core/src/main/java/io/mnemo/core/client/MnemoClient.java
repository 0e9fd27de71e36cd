package io.mnemo.core.client;

import com.google.protobuf.ByteString;
import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.AttrChanges;
import io.mnemo.core.model.Attributes;
import io.mnemo.core.model.Caller;
import io.mnemo.core.model.DirEntry;
import io.mnemo.core.model.FileType;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.model.Name;
import io.mnemo.core.net.FrameDecoder;
import io.mnemo.core.net.RpcClient;
import io.mnemo.core.proto.ClusterInfoReq;
import io.mnemo.core.proto.CommitLengthReq;
import io.mnemo.core.proto.CreateReq;
import io.mnemo.core.proto.DirEntryMsg;
import io.mnemo.core.proto.DirPage;
import io.mnemo.core.proto.GetattrReq;
import io.mnemo.core.proto.LinkReq;
import io.mnemo.core.proto.LookupReq;
import io.mnemo.core.proto.MetaRequest;
import io.mnemo.core.proto.NodeMsg;
import io.mnemo.core.proto.Protos;
import io.mnemo.core.proto.ReaddirReq;
import io.mnemo.core.proto.RenameReq;
import io.mnemo.core.proto.SetattrReq;
import io.mnemo.core.proto.StatfsReply;
import io.mnemo.core.proto.StatfsReq;
import io.mnemo.core.proto.UnlinkReq;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.Closeable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The one POSIX-shaped facade over a Mnemo cluster, used by the mount, the tools and the tests.
 * Inode-based: every call names inodes and single names, never paths (see {@link #resolve}).
 *
 * <p>Errors are {@link FsException}s with the errno a POSIX caller should see: ENOENT, EEXIST,
 * ENOTDIR, EISDIR, ENOTEMPTY, EINVAL, EPERM, ENOSPC, EIO, ETIMEDOUT, ...
 */
public final class MnemoClient implements Closeable {
    /** Entries per readdir page. */
    public static final int READDIR_PAGE = 1024;

    private final ClientConfig config;
    private final EventLoopGroup group;
    private final MetaClient meta;
    private final ChunkClient chunks;
    private final Semaphore writeBudget;
    private final Map<InodeId, OpenFile> openFiles = new ConcurrentHashMap<>();

    private MnemoClient(ClientConfig config) {
        this.config = config;
        this.group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        this.meta = new MetaClient(new RpcClient(group, config.metaAddress(), config.secret(),
                config.connectionsPerPeer(), FrameDecoder.DEFAULT_MAX_FRAME_BYTES, config.rpcTimeoutMillis()));
        this.chunks = new ChunkClient(group, config, meta);
        this.writeBudget = new Semaphore((int) Math.min(Integer.MAX_VALUE, config.writeBufferBytes()));
    }

    /** Connects to the cluster and checks that the metadata server answers. */
    public static MnemoClient connect(ClientConfig config) throws FsException {
        MnemoClient client = new MnemoClient(config);
        try {
            client.getattr(InodeId.ROOT);
            return client;
        } catch (FsException e) {
            client.close();
            throw e;
        }
    }

    // ------------------------------------------------------------------ namespace

    public Attributes lookup(InodeId parent, Name name) throws FsException {
        return withLocalSize(attr(request().setLookup(LookupReq.newBuilder()
                .setParent(parent.value()).setName(bytes(name)))));
    }

    public Attributes getattr(InodeId inode) throws FsException {
        return withLocalSize(attr(request().setGetattr(GetattrReq.newBuilder().setInode(inode.value()))));
    }

    /** Creates a regular file; with {@code exclusive} an existing name is EEXIST, otherwise it is returned. */
    public Attributes createFile(InodeId parent, Name name, int mode, boolean exclusive, Caller caller) throws FsException {
        return create(parent, name, FileType.REGULAR, mode, 0, null, exclusive, caller);
    }

    public Attributes mkdir(InodeId parent, Name name, int mode, Caller caller) throws FsException {
        return create(parent, name, FileType.DIRECTORY, mode, 0, null, true, caller);
    }

    public Attributes symlink(InodeId parent, Name name, String target, Caller caller) throws FsException {
        if (target.isEmpty()) {
            throw new FsException(Errno.ENOENT, "empty symlink target");
        }
        if (target.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 4095) {
            throw new FsException(Errno.ENAMETOOLONG, "symlink target longer than 4095 bytes");
        }
        return create(parent, name, FileType.SYMLINK, 0777, 0, target, true, caller);
    }

    /** Creates a node of any type (mknod): regular files, FIFOs, sockets and device files. */
    public Attributes mknod(InodeId parent, Name name, FileType type, int mode, int rdev, Caller caller) throws FsException {
        return create(parent, name, type, mode, rdev, null, true, caller);
    }

    private Attributes create(InodeId parent, Name name, FileType type, int mode, int rdev, String target,
            boolean exclusive, Caller caller) throws FsException {
        CreateReq.Builder create = CreateReq.newBuilder()
                .setParent(parent.value()).setName(bytes(name)).setType(type.ordinal())
                .setMode(mode & 07777).setRdev(rdev).setExclusive(exclusive);
        if (target != null) {
            create.setSymlinkTarget(target);
        }
        return attr(request(caller).setCreate(create));
    }

    public void unlink(InodeId parent, Name name, Caller caller) throws FsException {
        meta.call(request(caller).setUnlink(UnlinkReq.newBuilder().setParent(parent.value()).setName(bytes(name))).build());
    }

    public void rmdir(InodeId parent, Name name, Caller caller) throws FsException {
        meta.call(request(caller).setUnlink(UnlinkReq.newBuilder()
                .setParent(parent.value()).setName(bytes(name)).setDirectory(true)).build());
    }

    /** Renames; {@code flags} are renameat2's RENAME_NOREPLACE (1) and RENAME_EXCHANGE (2). */
    public void rename(InodeId srcParent, Name srcName, InodeId dstParent, Name dstName, int flags, Caller caller)
            throws FsException {
        meta.call(request(caller).setRename(RenameReq.newBuilder()
                .setSrcParent(srcParent.value()).setSrcName(bytes(srcName))
                .setDstParent(dstParent.value()).setDstName(bytes(dstName)).setFlags(flags)).build());
    }

    public Attributes link(InodeId inode, InodeId newParent, Name newName, Caller caller) throws FsException {
        return attr(request(caller).setLink(LinkReq.newBuilder()
                .setInode(inode.value()).setNewParent(newParent.value()).setNewName(bytes(newName))));
    }

    /**
     * Changes attributes. A size change of a regular file first cuts (or extends) its data:
     * buffered writes of this client are sent, chunks beyond the new end are removed.
     */
    public Attributes setattr(InodeId inode, AttrChanges changes, Caller caller) throws FsException {
        if (changes.sizeBytes() != null) {
            truncateData(inode, changes.sizeBytes());
        }
        SetattrReq.Builder b = SetattrReq.newBuilder().setInode(inode.value());
        if (changes.mode() != null) {
            b.setHasMode(true).setMode(changes.mode() & 07777);
        }
        if (changes.uid() != null) {
            b.setHasUid(true).setUid(changes.uid());
        }
        if (changes.gid() != null) {
            b.setHasGid(true).setGid(changes.gid());
        }
        if (changes.sizeBytes() != null) {
            b.setHasSize(true).setSize(changes.sizeBytes());
        }
        if (changes.atimeNow() || changes.atimeNanos() != null) {
            b.setHasAtime(true).setAtimeNow(changes.atimeNow())
                    .setAtimeNs(changes.atimeNanos() == null ? 0 : changes.atimeNanos());
        }
        if (changes.mtimeNow() || changes.mtimeNanos() != null) {
            b.setHasMtime(true).setMtimeNow(changes.mtimeNow())
                    .setMtimeNs(changes.mtimeNanos() == null ? 0 : changes.mtimeNanos());
        }
        Attributes result = attr(request(caller).setSetattr(b));
        OpenFile open = openFiles.get(inode);
        if (open != null && changes.sizeBytes() != null) {
            open.markClean();
        }
        return withLocalSize(result);
    }

    private void truncateData(InodeId inode, long sizeBytes) throws FsException {
        if (sizeBytes < 0) {
            throw new FsException(Errno.EINVAL, "negative size");
        }
        OpenFile open = openFiles.get(inode);
        if (open != null) {
            open.drain();
        }
        Attributes current = attr(request().setGetattr(GetattrReq.newBuilder().setInode(inode.value())));
        if (current.isDirectory()) {
            throw new FsException(Errno.EISDIR, "cannot truncate a directory");
        }
        if (!current.isRegular()) {
            throw new FsException(Errno.EINVAL, "cannot truncate a " + current.type());
        }
        long known = open != null ? Math.max(open.sizeBytes(), current.sizeBytes()) : current.sizeBytes();
        if (sizeBytes < known && current.layout() != null) {
            Futures.await(chunks.truncate(inode, current.layout(), sizeBytes));
        }
        if (open != null) {
            open.truncated(sizeBytes);
        }
    }

    /** One page of a directory's entries, in name order, after {@code after} (null: from the start). */
    public DirListing readdir(InodeId dir, Name after, int limit) throws FsException {
        ReaddirReq.Builder b = ReaddirReq.newBuilder().setDir(dir.value()).setLimit(limit);
        if (after != null) {
            b.setAfter(bytes(after));
        }
        DirPage page = meta.call(request().setReaddir(b).build()).getDirPage();
        List<DirEntry> entries = new ArrayList<>(page.getEntriesCount());
        for (DirEntryMsg m : page.getEntriesList()) {
            entries.add(Protos.fromMsg(m));
        }
        return new DirListing(entries, page.getMore());
    }

    public String readlink(InodeId inode) throws FsException {
        Attributes a = getattr(inode);
        if (a.type() != FileType.SYMLINK) {
            throw new FsException(Errno.EINVAL, inode + " is not a symlink");
        }
        return a.symlinkTarget();
    }

    public FsStats statfs() throws FsException {
        StatfsReply s = meta.call(request().setStatfs(StatfsReq.getDefaultInstance()).build()).getStatfs();
        return new FsStats(s.getCapacityBytes(), s.getUsedBytes(), s.getInodes());
    }

    /** The data nodes registered with the cluster manager. */
    public List<DataNodeInfo> dataNodes() throws FsException {
        List<DataNodeInfo> nodes = new ArrayList<>();
        for (NodeMsg n : meta.call(request().setClusterInfo(ClusterInfoReq.getDefaultInstance()).build())
                .getClusterInfo().getNodesList()) {
            nodes.add(new DataNodeInfo(n.getNodeId(), n.getHost() + ":" + n.getPort(), n.getCapacityBytes(),
                    n.getUsedBytes(), n.getAlive()));
        }
        return nodes;
    }

    /** Resolves an absolute path from the root without following symlinks. */
    public Attributes resolve(String path) throws FsException {
        if (!path.startsWith("/")) {
            throw new FsException(Errno.EINVAL, "not an absolute path: " + path);
        }
        Attributes current = getattr(InodeId.ROOT);
        for (String part : path.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (!current.isDirectory()) {
                throw new FsException(Errno.ENOTDIR, path + ": a component is not a directory");
            }
            current = lookup(current.inode(), Name.of(part));
        }
        return current;
    }

    // ------------------------------------------------------------------ data

    /** Opens a regular file; close-to-open: the length is fetched fresh from the metadata server. */
    public FileHandle open(InodeId inode, int flags) throws FsException {
        Attributes a = attr(request().setGetattr(GetattrReq.newBuilder().setInode(inode.value())));
        if (a.isDirectory()) {
            throw new FsException(Errno.EISDIR, inode + " is a directory");
        }
        if (!a.isRegular() || a.layout() == null) {
            throw new FsException(Errno.EINVAL, inode + " is not a regular file");
        }
        OpenFile file = openFiles.compute(inode, (id, existing) -> {
            OpenFile f = existing != null ? existing
                    : new OpenFile(id, a.layout(), a.sizeBytes(), chunks, writeBudget, config.maxWriteBytes());
            f.refreshSize(a.sizeBytes());
            f.retain();
            return f;
        });
        return new FileHandle(file, flags);
    }

    /** Reads up to {@code length} bytes; a shorter result means the end of the file. */
    public byte[] read(FileHandle handle, long offset, int length) throws FsException {
        if (offset < 0) {
            throw new FsException(Errno.EINVAL, "negative offset");
        }
        return handle.file().read(offset, length);
    }

    /** Buffers a write; errors of deferred chunk writes surface here, or at flush or fsync. */
    public void write(FileHandle handle, long offset, byte[] data, int length) throws FsException {
        if (offset < 0) {
            throw new FsException(Errno.EINVAL, "negative offset");
        }
        handle.file().write(offset, data, length);
    }

    /** Sends buffered writes and commits the file's length: what close(2) does. */
    public void flush(FileHandle handle) throws FsException {
        OpenFile file = handle.file();
        synchronized (file) {
            file.drain();
            if (file.isDirty()) {
                meta.call(request().setCommitLength(CommitLengthReq.newBuilder()
                        .setInode(file.inode().value()).setSize(file.sizeBytes()).setTouchMtime(true)).build());
                file.markClean();
            }
        }
    }

    /** Like {@link #flush}, and returns only once the data is durable on the data nodes. */
    public void fsync(FileHandle handle) throws FsException {
        flush(handle);
        Futures.await(chunks.sync(handle.inode(), handle.file().layout()));
    }

    /** Ends a handle; the last handle of a file flushes it and drops the client's state for it. */
    public void release(FileHandle handle) throws FsException {
        OpenFile file = handle.file();
        try {
            flush(handle);
        } finally {
            openFiles.computeIfPresent(file.inode(), (id, f) -> f.releaseReference() ? null : f);
        }
    }

    @Override
    public void close() {
        meta.close();
        chunks.close();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    // ------------------------------------------------------------------ helpers

    private Attributes withLocalSize(Attributes a) {
        OpenFile open = openFiles.get(a.inode());
        if (open != null && open.isDirty()) {
            return a.withSize(open.sizeBytes());
        }
        return a;
    }

    private Attributes attr(MetaRequest.Builder request) throws FsException {
        return Protos.fromMsg(meta.call(request.build()).getAttr());
    }

    private static MetaRequest.Builder request() {
        return MetaRequest.newBuilder();
    }

    private static MetaRequest.Builder request(Caller caller) {
        return MetaRequest.newBuilder().setCaller(Protos.toMsg(caller));
    }

    private static ByteString bytes(Name name) {
        return ByteString.copyFrom(name.bytes());
    }
}
