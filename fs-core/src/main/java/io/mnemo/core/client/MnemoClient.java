package io.mnemo.core.client;

import com.google.common.collect.TreeRangeSet;
import com.google.protobuf.ByteString;
import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.AttrChanges;
import io.mnemo.core.model.Attributes;
import io.mnemo.core.model.Caller;
import io.mnemo.core.model.DirEntry;
import io.mnemo.core.model.FileType;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.model.Layout;
import io.mnemo.core.model.Name;
import io.mnemo.core.proto.AccessReq;
import io.mnemo.core.proto.ClusterInfoReq;
import io.mnemo.core.proto.CommitLengthReq;
import io.mnemo.core.proto.CreateReq;
import io.mnemo.core.proto.DirEntryMsg;
import io.mnemo.core.proto.DirPage;
import io.mnemo.core.proto.GetattrReq;
import io.mnemo.core.proto.GetxattrReq;
import io.mnemo.core.proto.InlineWrite;
import io.mnemo.core.proto.ListxattrReq;
import io.mnemo.core.proto.OpenReq;
import io.mnemo.core.proto.ReleaseReq;
import io.mnemo.core.proto.RemovexattrReq;
import io.mnemo.core.proto.SessionReq;
import io.mnemo.core.proto.SyncReq;
import io.mnemo.core.proto.SetxattrReq;
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
import io.mnemo.core.proto.WriteInlineReq;
import io.mnemo.core.proto.MetaResponse;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.io.Closeable;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

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
    /** Idle full-size write extents kept for streaming writers (8 of 4 MiB: 32 MiB at most). */
    private static final int SPARE_EXTENTS = 8;
    /** open(2) flags this client interprets. */
    public static final int O_ACCMODE = 03;
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 01;
    public static final int O_RDWR = 02;
    public static final int O_APPEND = 02000;
    /** fallocate(2) modes this client implements. */
    public static final int FALLOC_FL_KEEP_SIZE = 0x01;
    public static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    public static final int FALLOC_FL_ZERO_RANGE = 0x10;
    /** Zeros written for a punched hole or a zeroed range, at most this many at a time. */
    private static final int ZEROS_BYTES = 1 << 20;
    private static final ByteBuf ZEROS = Unpooled.unreleasableBuffer(
            Unpooled.wrappedBuffer(new byte[ZEROS_BYTES]).asReadOnly());
    private static final int S_ISUID = 04000;
    private static final int S_ISGID = 02000;
    private static final int S_IXGRP = 00010;
    private static final long SESSION_RENEWAL_MILLIS = 1000;
    private static final long ATIME_DELAY_MILLIS = 10;
    /** Atime updates sent in one request, at most (8 bytes each). */
    private static final int ATIMES_PER_REQUEST = 1024;
    /** A computed attribute: reading it scrubs the file's chunks (see {@link #getxattr}). */
    public static final String VERIFY_XATTR = "user.mnemo.verify";

    private final ClientConfig config;
    private final EventLoopGroup group;
    private final MetaClient meta;
    private final ChunkClient chunks;
    private final Semaphore writeBudget;
    private final SpareExtents spareExtents;
    private final Map<InodeId, OpenFile> openFiles = new ConcurrentHashMap<>();
    /** Names this client's open files to the metadata server, which keeps unlinked-but-open files alive. */
    private final long session = new SecureRandom().nextLong() & Long.MAX_VALUE | 1;
    /** Renews the session, and sends the updates nobody waits for (a read's atime). */
    private final ScheduledExecutorService background = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("mnemo-client-background").daemon().factory());
    /** Inodes whose atime a read made due, for the background thread to send. */
    private final Queue<Long> atimesDue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean atimesScheduled = new AtomicBoolean();

    private MnemoClient(ClientConfig config, EventLoopGroup group, MetaClient meta) {
        this.config = config;
        this.group = group;
        this.meta = meta;
        this.chunks = new ChunkClient(group, config, meta);
        this.writeBudget = new Semaphore((int) Math.min(Integer.MAX_VALUE, config.writeBufferBytes()));
        this.spareExtents = new SpareExtents(config.maxWriteBytes(), SPARE_EXTENTS);
    }

    /** Connects to the cluster and checks that the metadata server answers. */
    public static MnemoClient connect(ClientConfig config) throws FsException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        MnemoClient client;
        try {
            client = new MnemoClient(config, group, MetaClient.connect(group, config));
        } catch (FsException e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
        try {
            client.getattr(InodeId.ROOT);
            client.background.scheduleWithFixedDelay(client::renewSession, 0, SESSION_RENEWAL_MILLIS,
                    TimeUnit.MILLISECONDS);
            return client;
        } catch (FsException e) {
            client.close();
            throw e;
        }
    }

    // ------------------------------------------------------------------ namespace

    /** Looks a name up as root. */
    public Attributes lookup(InodeId parent, Name name) throws FsException {
        return lookup(parent, name, Caller.ROOT);
    }

    /** Looks a name up; the caller needs search (x) permission on {@code parent} (EACCES). */
    public Attributes lookup(InodeId parent, Name name, Caller caller) throws FsException {
        return withLocalWrites(attr(request(caller).setLookup(LookupReq.newBuilder()
                .setParent(parent.value()).setName(bytes(name)))));
    }

    /**
     * The directory that holds directory {@code dir} (the root's is the root), as a listing shows it
     * for "..": found without permission checks, since listing needs only read permission.
     *
     * @throws FsException ENOTDIR if {@code dir} is not a directory, ENOENT if it is gone
     */
    public InodeId parentOf(InodeId dir) throws FsException {
        return attr(request(Caller.ROOT).setLookup(LookupReq.newBuilder()
                .setParent(dir.value()).setName(ByteString.copyFromUtf8("..")))).inode();
    }

    public Attributes getattr(InodeId inode) throws FsException {
        return withLocalWrites(attr(request().setGetattr(GetattrReq.newBuilder().setInode(inode.value()))));
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

    /** A new name for {@code inode}, or the first for a linkable {@link #createTmpfile} file. */
    public Attributes link(InodeId inode, InodeId newParent, Name newName, Caller caller) throws FsException {
        return withLocalWrites(attr(request(caller).setLink(LinkReq.newBuilder()
                .setInode(inode.value()).setNewParent(newParent.value()).setNewName(bytes(newName)))));
    }

    /**
     * Changes attributes. A size change of a regular file first cuts (or extends) its data:
     * buffered writes of this client are sent, chunks beyond the new end are removed.
     */
    public Attributes setattr(InodeId inode, AttrChanges changes, Caller caller) throws FsException {
        return setattr(inode, changes, caller, false);
    }

    /**
     * {@link #setattr} through an open handle ({@code ftruncate}): a size change
     * needs no write permission, which was checked at open, but the handle must be open for
     * writing (EINVAL otherwise, as ftruncate(2)).
     */
    public Attributes setattr(FileHandle handle, AttrChanges changes, Caller caller) throws FsException {
        boolean writable = (handle.flags() & O_ACCMODE) != O_RDONLY;
        if (changes.sizeBytes() != null && !writable) {
            throw new FsException(Errno.EINVAL, handle.inode() + ": truncate through a handle not open for writing");
        }
        return setattr(handle.inode(), changes, caller, writable);
    }

    private Attributes setattr(InodeId inode, AttrChanges changes, Caller caller, boolean throughWritableHandle)
            throws FsException {
        OpenFile open = openFiles.get(inode);
        if (open != null && (changes.sizeBytes() != null || changes.mtimeNow() || changes.mtimeNanos() != null)) {
            commitWritesFirst(open, caller);
        }
        if (changes.sizeBytes() != null) {
            if (!throughWritableHandle) {
                access(inode, 2, caller); // W_OK: a refused truncate must not have cut any data first
            }
            truncateData(inode, changes.sizeBytes());
        }
        SetattrReq.Builder b = SetattrReq.newBuilder().setInode(inode.value())
                .setSizeThroughHandle(throughWritableHandle);
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
        open = openFiles.get(inode);
        if (open != null && changes.sizeBytes() != null && !open.isInline()) {
            open.markClean(); // its chunks are written and the new length is committed
        }
        return withLocalWrites(result);
    }

    private void truncateData(InodeId inode, long sizeBytes) throws FsException {
        if (sizeBytes < 0) {
            throw new FsException(Errno.EINVAL, "negative size");
        }
        OpenFile open = openFiles.get(inode);
        if (open != null) {
            open.drain();
        }
        MetaResponse reply = meta.call(request().setOpen(peek(inode)).build());
        Attributes current = Protos.fromMsg(reply.getAttr());
        if (current.isDirectory()) {
            throw new FsException(Errno.EISDIR, "cannot truncate a directory");
        }
        if (!current.isRegular()) {
            throw new FsException(Errno.EINVAL, "cannot truncate a " + current.type());
        }
        boolean inline = open != null ? open.isInline() : reply.hasInline();
        if (inline && sizeBytes <= OpenFile.INLINE_LIMIT_BYTES) {
            if (open != null) {
                open.truncated(sizeBytes); // the metadata service cuts its copy in the setattr that follows
            }
            return;
        }
        if (open != null) {
            moveToChunks(open);
        } else if (inline) {
            moveToChunks(inode, current.layout(), null);
        }
        long known = open != null ? Math.max(open.sizeBytes(), current.sizeBytes()) : current.sizeBytes();
        if (sizeBytes < known && current.layout() != null) {
            Futures.await(chunks.truncate(inode, current.layout(), sizeBytes));
        }
        if (open != null) {
            open.truncated(sizeBytes);
        }
    }

    /** The {@link OpenFile.Mover} of this client's open files; does nothing once the file has left inline storage. */
    private void moveToChunks(OpenFile file) throws FsException {
        synchronized (file) {
            moveToChunks(file.inode(), file.layout(), file);
        }
    }

    /**
     * Moves an inline file to chunks ({@code open}: this client's state of it, or null). Other
     * clients may write the file inline meanwhile, each its own ranges, so what moves is the
     * metadata service's copy as it is now, with this client's unsent writes over it, and the move
     * is committed only if that copy is still the same (EAGAIN: another client wrote inline in
     * between; copy again). If another client has moved the file already, only this client's
     * unsent writes go to chunks. The caller holds {@code open}'s lock.
     *
     * <p>Not covered: two clients moving the same file at once. The one whose commit comes second
     * finds the file in chunks and carries on, but its copy may land after bytes that another
     * client wrote to chunks right after the first move, inside the old inline range, where its
     * copy has older bytes or zeros. That needs three clients writing within the first 64 KiB
     * within milliseconds of each other; a fix needs a per-file lock or conditional chunk writes.
     */
    private void moveToChunks(InodeId inode, Layout layout, OpenFile open) throws FsException {
        while (open == null || open.isInline()) {
            MetaResponse reply = meta.call(request().setOpen(peek(inode)).build());
            byte[] stored = reply.hasInline() ? reply.getInline().getData().toByteArray() : null;
            long end = open != null ? open.copyToChunks(stored)
                    : OpenFile.copyToChunks(chunks, layout, inode, stored, null, TreeRangeSet.create());
            if (stored != null) {
                try {
                    meta.call(request().setCommitLength(CommitLengthReq.newBuilder()
                            .setInode(inode.value()).setSize(end).setMovedToChunks(true)
                            .setCheckInline(true).setExpectedInline(ByteString.copyFrom(stored))).build());
                } catch (FsException e) {
                    if (e.errno() == Errno.EAGAIN) {
                        continue;
                    }
                    throw e;
                }
            }
            if (open != null) {
                open.leftInline(end);
            }
            return;
        }
    }

    /**
     * A peek is what returns an inline file's bytes: an open that records nothing, which this
     * client's session may make of a file it holds open even after its last name is gone.
     */
    private OpenReq peek(InodeId inode) {
        return OpenReq.newBuilder().setInode(inode.value()).setFlags(O_WRONLY).setSession(session).setPeek(true).build();
    }

    /** One page of a directory's entries as root; see {@link #readdir(InodeId, Name, int, Caller)}. */
    public DirListing readdir(InodeId dir, Name after, int limit) throws FsException {
        return readdir(dir, after, limit, Caller.ROOT);
    }

    /**
     * One page of a directory's entries, in name order, after {@code after} (null: from the start).
     * The caller needs read permission on the directory (EACCES).
     */
    public DirListing readdir(InodeId dir, Name after, int limit, Caller caller) throws FsException {
        return readdir(dir, after, limit, false, caller);
    }

    /**
     * A page of {@code dir}, after the name {@code after} (null: from the start); {@code withAttributes}
     * brings each entry's attributes along, as this client would report them (see {@link #getattr}).
     */
    public DirListing readdir(InodeId dir, Name after, int limit, boolean withAttributes, Caller caller)
            throws FsException {
        ReaddirReq.Builder b = ReaddirReq.newBuilder().setDir(dir.value()).setLimit(limit)
                .setWithAttributes(withAttributes);
        if (after != null) {
            b.setAfter(bytes(after));
        }
        DirPage page = meta.call(request(caller).setReaddir(b).build()).getDirPage();
        List<DirEntry> entries = new ArrayList<>(page.getEntriesCount());
        Map<InodeId, Attributes> attributes = withAttributes ? new HashMap<>() : Map.of();
        for (DirEntryMsg m : page.getEntriesList()) {
            DirEntry entry = Protos.fromMsg(m);
            entries.add(entry);
            if (m.hasAttr()) {
                attributes.put(entry.inode(), withLocalWrites(Protos.fromMsg(m.getAttr())));
            }
        }
        return new DirListing(entries, page.getMore(), attributes);
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
        return new FsStats(s.getCapacityBytes(), s.getUsedBytes(), s.getFreeBytes(), s.getInodes());
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
        return resolve(path, Caller.ROOT);
    }

    /** Resolves an absolute path from the root, as {@code caller}, without following symlinks. */
    public Attributes resolve(String path, Caller caller) throws FsException {
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
            current = lookup(current.inode(), Name.of(part), caller);
        }
        return current;
    }

    // ------------------------------------------------------------------ data

    /**
     * Opens a regular file for the caller, checking its permission for the access mode (EACCES).
     * Close-to-open: the length is fetched fresh from the metadata server.
     *
     * @param created the caller has just created the file with O_CREAT, which grants any access mode
     */
    public FileHandle open(InodeId inode, int flags, boolean created, Caller caller) throws FsException {
        MetaResponse reply = meta.call(request(caller).setOpen(OpenReq.newBuilder()
                .setInode(inode.value()).setFlags(flags).setSession(session).setCreated(created)).build());
        return opened(reply, flags, caller);
    }

    /**
     * open(2) with O_CREAT in one metadata call: creates the regular file (EEXIST if it exists and
     * {@code exclusive}, else the existing one) and opens it as its creator, as
     * {@link #createFile} and then {@link #open} with {@code created} would.
     */
    public FileHandle createAndOpen(InodeId parent, Name name, int mode, int flags, boolean exclusive, Caller caller)
            throws FsException {
        MetaResponse reply = meta.call(request(caller).setCreate(CreateReq.newBuilder()
                .setParent(parent.value()).setName(bytes(name)).setType(FileType.REGULAR.ordinal())
                .setMode(mode & 07777).setExclusive(exclusive)
                .setOpen(OpenReq.newBuilder().setFlags(flags).setSession(session))).build());
        return opened(reply, flags, caller);
    }

    /**
     * open(2) with {@code O_TMPFILE}: a new regular file with no name in {@code dir}'s file
     * system, open as its creator. It goes away at its last close unless {@link #link} gives it
     * a name first, which {@code linkable} false ({@code O_EXCL}) forbids.
     */
    public FileHandle createTmpfile(InodeId dir, int mode, int flags, boolean linkable, Caller caller)
            throws FsException {
        MetaResponse reply = meta.call(request(caller).setCreate(CreateReq.newBuilder()
                .setParent(dir.value()).setType(FileType.REGULAR.ordinal()).setMode(mode & 07777)
                .setTmpfile(true).setExclusive(!linkable)
                .setOpen(OpenReq.newBuilder().setFlags(flags).setSession(session))).build());
        return opened(reply, flags, caller);
    }

    /** The handle for an open's reply; the session holds the inode open already. */
    private FileHandle opened(MetaResponse reply, int flags, Caller caller) throws FsException {
        Attributes a = Protos.fromMsg(reply.getAttr());
        InodeId inode = a.inode();
        ByteString inlineData = reply.hasInline() ? reply.getInline().getData() : null;
        if (a.isDirectory()) {
            release(inode);
            throw new FsException(Errno.EISDIR, inode + " is a directory");
        }
        if (!a.isRegular() || a.layout() == null) {
            release(inode);
            throw new FsException(Errno.EINVAL, inode + " is not a regular file");
        }
        OpenFile file = openFiles.compute(inode, (id, existing) -> {
            OpenFile f = existing != null ? existing
                    : new OpenFile(id, a.layout(), a.sizeBytes(), inlineData, chunks, writeBudget,
                            spareExtents, this::sendAllBuffered, this::moveToChunks);
            f.refresh(a.sizeBytes(), inlineData);
            f.retain();
            return f;
        });
        return new FileHandle(file, flags, a, caller);
    }

    /**
     * A small file's whole contents, for a handle open for reading only that is the file's only
     * open in this client, while the file is stored inline: copied to {@code out} from its position
     * (which does not move). Answers the file's length, or -1 (nothing copied) for any other file
     * or one longer than {@code out} has room for. It counts as a read of the file (atime).
     */
    public int soleInlineContents(FileHandle handle, ByteBuffer out) {
        if ((handle.flags() & O_ACCMODE) != O_RDONLY) {
            return -1;
        }
        int n = handle.file().copyIfSoleInline(out);
        if (n > 0 && handle.claimAtimeUpdate()) {
            touchAtime(handle.openedWith());
        }
        return n;
    }

    /**
     * A write through {@code handle} by a caller without CAP_FSETID (any but root; through FUSE the
     * kernel says which): if the file had S_ISUID, or S_ISGID with group execution, when the handle
     * was opened, the metadata service drops them now (once per handle) rather than when the write
     * is flushed, so that an fstat right after the write shows them gone. Answers whether it asked.
     */
    public boolean dropSetIdBitsForWrite(FileHandle handle) throws FsException {
        int mode = handle.openedWith().mode();
        boolean setId = (mode & S_ISUID) != 0 || (mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP);
        if (!setId || !handle.claimSetIdDrop()) {
            return false;
        }
        meta.call(request(handle.caller()).setSetattr(SetattrReq.newBuilder()
                .setInode(handle.inode().value()).setKillSuidgid(true)).build());
        return true;
    }

    /** Reads up to {@code length} bytes; a shorter result means the end of the file. */
    public byte[] read(FileHandle handle, long offset, int length) throws FsException {
        checkRead(handle, offset);
        return handle.file().read(offset, length);
    }

    /**
     * Reads into {@code out}, from its position for at most its remaining bytes (the position
     * does not move), and returns how many bytes were read: fewer means the end of the file.
     */
    public int read(FileHandle handle, long offset, ByteBuffer out) throws FsException {
        checkRead(handle, offset);
        return handle.file().read(offset, out);
    }

    private void checkRead(FileHandle handle, long offset) throws FsException {
        if (offset < 0) {
            throw new FsException(Errno.EINVAL, "negative offset");
        }
        if ((handle.flags() & O_ACCMODE) == O_WRONLY) {
            throw new FsException(Errno.EBADF, "file not open for reading");
        }
        if (handle.claimAtimeUpdate()) {
            touchAtime(handle.openedWith());
        }
    }

    /**
     * Buffers a write; errors of deferred chunk writes surface here, or at flush or fsync. With
     * O_APPEND the data lands at the end of the file whatever {@code offset} says.
     *
     * @return the offset the data was written at
     */
    public long write(FileHandle handle, long offset, byte[] data, int length) throws FsException {
        return write(handle, offset, Unpooled.wrappedBuffer(data, 0, length));
    }

    /**
     * As {@link #write(FileHandle, long, byte[], int)}, for the readable bytes of {@code data},
     * which are copied before this returns (the caller keeps the buffer and releases it).
     */
    public long write(FileHandle handle, long offset, ByteBuf data) throws FsException {
        if (offset < 0) {
            throw new FsException(Errno.EINVAL, "negative offset");
        }
        requireWritable(handle);
        if (handle.caller().uid() != 0) {
            dropSetIdBitsForWrite(handle);
        }
        if ((handle.flags() & O_APPEND) != 0) {
            return handle.file().append(data);
        }
        handle.file().write(offset, data);
        return offset;
    }

    private static void requireWritable(FileHandle handle) throws FsException {
        if ((handle.flags() & O_ACCMODE) == O_RDONLY) {
            throw new FsException(Errno.EBADF, "file not open for writing");
        }
    }

    /**
     * fallocate(2) through a handle open for writing (EBADF otherwise). Space is not reserved (chunks
     * are allocated as they are written), so mode 0 only makes the file at least
     * {@code offset + length} long, reading zeros there, and {@link #FALLOC_FL_KEEP_SIZE} alone
     * changes nothing. {@link #FALLOC_FL_PUNCH_HOLE} (with KEEP_SIZE, as Linux requires) and
     * {@link #FALLOC_FL_ZERO_RANGE} write zeros over the range within the file's length; the
     * latter also lengthens the file unless KEEP_SIZE. Other modes are ENOTSUP (EOPNOTSUPP); a
     * negative offset or a length of 0 or less EINVAL.
     */
    public void fallocate(FileHandle handle, int mode, long offset, long length) throws FsException {
        if ((mode & ~(FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) != 0
                || (mode & FALLOC_FL_PUNCH_HOLE) != 0 && (mode & ~FALLOC_FL_PUNCH_HOLE) != FALLOC_FL_KEEP_SIZE) {
            throw new FsException(Errno.ENOTSUP, handle.inode() + ": fallocate mode 0x" + Integer.toHexString(mode));
        }
        if (offset < 0 || length <= 0 || offset + length < 0) {
            throw new FsException(Errno.EINVAL, handle.inode() + ": fallocate of " + length + " bytes at " + offset);
        }
        requireWritable(handle);
        long end = offset + length;
        if ((mode & (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE)) != 0) {
            OpenFile file = handle.file();
            for (long at = offset, stop = Math.min(end, file.sizeBytes()); at < stop; ) {
                int n = (int) Math.min(ZEROS_BYTES, stop - at);
                file.write(at, ZEROS.slice(0, n));
                at += n;
            }
        }
        if ((mode & FALLOC_FL_KEEP_SIZE) == 0 && end > handle.file().sizeBytes()) {
            setattr(handle, AttrChanges.NONE.withSize(end), handle.caller());
        }
    }

    /**
     * Sends buffered writes and commits the file's length, without waiting for the disks: other
     * clients see the changes from their next open. {@link #close} is what close(2) does.
     */
    public void flush(FileHandle handle) throws FsException {
        flush(handle.file(), handle.caller());
    }

    /**
     * Before a change of the file's mtime ({@code utimensat}, as {@code cp -a} and {@code tar -x}
     * do right after writing) or size: commits this client's pending writes first. They were
     * written before: their commit stamps their time, which must not land over the time being
     * set, and counts their bytes as written, which the size change then cuts to the new end. A
     * failure stays with the file for its next write, fsync or close to report, as if this flush
     * had not been tried.
     */
    private void commitWritesFirst(OpenFile file, Caller caller) {
        try {
            flush(file, caller);
        } catch (FsException e) {
            file.keepError(e);
        }
    }

    private void flush(OpenFile file, Caller caller) throws FsException {
        synchronized (file) {
            file.drain();
            if (!file.isDirty()) {
                return;
            }
            // As the opener: a write by anyone but root clears the set-user-id and set-group-id bits.
            // Only the ranges this client wrote go back: other clients may be writing other ranges.
            List<InlineWrite> unsent = file.unsentInline();
            if (unsent != null) {
                try {
                    meta.call(request(caller).setWriteInline(WriteInlineReq.newBuilder()
                            .setInode(file.inode().value()).setSplice(true).addAllWrites(unsent)
                            .setModifiedNs(file.modifiedNanos())).build());
                    file.markClean();
                    return;
                } catch (FsException e) {
                    // EFBIG: the metadata service keeps smaller files inline than we thought;
                    // EINVAL: another client has moved the file to chunks.
                    if (e.errno() != Errno.EFBIG && e.errno() != Errno.EINVAL) {
                        throw e;
                    }
                    moveToChunks(file);
                }
            }
            meta.call(request(caller).setCommitLength(CommitLengthReq.newBuilder()
                    .setInode(file.inode().value()).setSize(file.committableSize()).setTouchMtime(true)
                    .setModifiedNs(file.modifiedNanos()).setWrittenBytes(file.writtenSinceCommit())).build());
            file.markClean();
        }
    }

    /** Like {@link #flush}, and returns only once the data, the length and every earlier namespace change are durable. */
    public void fsync(FileHandle handle) throws FsException {
        flush(handle);
        handle.file().claimUnsynced();
        makeDurable(handle.file());
    }

    /**
     * What close(2) does on any descriptor of the file: {@link #flush}, then, if this client
     * changed the file since it was last synced, {@link #fsync}. A file only read, or not changed
     * since the last sync, closes without waiting for a disk.
     */
    public void close(FileHandle handle) throws FsException {
        flush(handle);
        if (handle.file().claimUnsynced()) {
            makeDurable(handle.file());
        }
    }

    /**
     * The chunks' sync and the namespace's run at once. Neither has to be durable first: the length
     * committed by the flush before may be durable already (a replicated log makes it so at once,
     * a local one within milliseconds). On a disk the two share, their journal commits can merge.
     */
    private void makeDurable(OpenFile file) throws FsException {
        try {
            CompletableFuture<Void> chunksSynced = file.isInline() ? null : chunks.sync(file.inode(), file.layout());
            syncNamespace();
            if (chunksSynced != null) {
                Futures.await(chunksSynced);
            }
        } catch (FsException e) {
            file.markUnsynced();
            throw e;
        }
    }

    /** fsyncdir, and the metadata half of fsync: every namespace change answered so far is durable. */
    public void syncNamespace() throws FsException {
        meta.call(request().setSync(SyncReq.getDefaultInstance()).build());
    }

    /** Ends a handle: {@link #close}s it; the last handle of a file drops the client's state for it. */
    public void release(FileHandle handle) throws FsException {
        OpenFile file = handle.file();
        try {
            close(handle);
        } finally {
            openFiles.computeIfPresent(file.inode(), (id, f) -> f.releaseReference() ? null : f);
            release(file.inode());
        }
    }

    /**
     * relatime, as Linux mounts by default: a read updates atime only if atime is not newer than
     * mtime or ctime, or is a day old. The update is the system's, not the reader's, so it needs
     * no permission and leaves ctime alone, and it is sent without waiting for it: the background
     * thread sends what gathered within {@link #ATIME_DELAY_MILLIS}, so that readers of many
     * files do not wake it once per file.
     */
    private void touchAtime(Attributes a) {
        long dayNanos = TimeUnit.DAYS.toNanos(1);
        boolean due = a.atimeNanos() <= a.mtimeNanos() || a.atimeNanos() <= a.ctimeNanos()
                || System.currentTimeMillis() * 1_000_000 - a.atimeNanos() >= dayNanos;
        if (due) {
            atimesDue.add(a.inode().value());
            if (atimesScheduled.compareAndSet(false, true)) {
                background.schedule(this::sendAtimes, ATIME_DELAY_MILLIS, TimeUnit.MILLISECONDS);
            }
        }
    }

    /** Sends the atimes due, many files to a request (one metadata command for all of them). */
    private void sendAtimes() {
        atimesScheduled.set(false);
        Set<Long> batch = new LinkedHashSet<>();
        for (Long inode; (inode = atimesDue.poll()) != null; ) {
            batch.add(inode);
            if (batch.size() == ATIMES_PER_REQUEST) {
                sendAtimeBatch(batch);
            }
        }
        if (!batch.isEmpty()) {
            sendAtimeBatch(batch);
        }
    }

    private void sendAtimeBatch(Set<Long> inodes) {
        Iterator<Long> each = inodes.iterator();
        SetattrReq.Builder read = SetattrReq.newBuilder().setInode(each.next()).setReadAccess(true);
        each.forEachRemaining(read::addAlsoRead);
        meta.callAsync(request(Caller.ROOT).setSetattr(read).build());
        inodes.clear();
    }

    /** The write bound is reached: every open file sends what it buffers, so that room comes back. */
    private void sendAllBuffered() {
        openFiles.values().forEach(OpenFile::sendBuffered);
    }

    /** Tells the metadata server this session holds one open fewer; an unlinked file goes with its last. */
    private void release(InodeId inode) {
        meta.callAsync(request().setRelease(ReleaseReq.newBuilder().setInode(inode.value()).setSession(session)).build());
    }

    private void renewSession() {
        meta.callAsync(request().setSession(SessionReq.newBuilder().setSession(session)).build());
    }

    /** Scrubs a regular file's chunks against their checksums: the indexes of damaged chunks (empty: intact). */
    public List<Long> verify(InodeId inode) throws FsException {
        Attributes a = getattr(inode);
        if (!a.isRegular() || a.layout() == null) {
            return List.of();
        }
        OpenFile open = openFiles.get(inode);
        if (open != null) {
            open.drain();
        }
        return Futures.await(chunks.verify(inode, a.layout()));
    }

    // ------------------------------------------------------------------ extended attributes and access

    /** Sets an extended attribute; {@code flags} are XATTR_CREATE (1) and XATTR_REPLACE (2). */
    public void setxattr(InodeId inode, String name, byte[] value, int flags, Caller caller) throws FsException {
        meta.call(request(caller).setSetxattr(SetxattrReq.newBuilder().setInode(inode.value()).setName(name)
                .setValue(ByteString.copyFrom(value)).setFlags(flags)).build());
    }

    /**
     * The attribute's value; ENODATA when it has none. {@value #VERIFY_XATTR} is computed, not
     * stored: reading it scrubs the file's chunks and answers "ok" or "damaged chunks: 3 7".
     */
    public byte[] getxattr(InodeId inode, String name, Caller caller) throws FsException {
        if (name.equals(VERIFY_XATTR)) {
            List<Long> damaged = verify(inode);
            String text = damaged.isEmpty() ? "ok" : "damaged chunks:" + damaged.stream().map(i -> " " + i)
                    .reduce("", String::concat);
            return text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        return meta.call(request(caller).setGetxattr(GetxattrReq.newBuilder().setInode(inode.value()).setName(name))
                .build()).getXattr().getValue().toByteArray();
    }

    public List<String> listxattr(InodeId inode, Caller caller) throws FsException {
        return meta.call(request(caller).setListxattr(ListxattrReq.newBuilder().setInode(inode.value())).build())
                .getXattr().getNamesList();
    }

    public void removexattr(InodeId inode, String name, Caller caller) throws FsException {
        meta.call(request(caller).setRemovexattr(RemovexattrReq.newBuilder().setInode(inode.value()).setName(name))
                .build());
    }

    /** access(2): EACCES unless the caller may do all of {@code mask} (R_OK 4, W_OK 2, X_OK 1). */
    public void access(InodeId inode, int mask, Caller caller) throws FsException {
        meta.call(request(caller).setAccess(AccessReq.newBuilder().setInode(inode.value()).setMask(mask)).build());
    }

    @Override
    public void close() {
        openFiles.values().forEach(OpenFile::dropReadAhead);
        background.shutdownNow();
        meta.close();
        chunks.close();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }

    // ------------------------------------------------------------------ helpers

    /** The attributes with this client's writes not committed yet: their length and their time. */
    private Attributes withLocalWrites(Attributes a) {
        OpenFile open = openFiles.get(a.inode());
        if (open != null && open.isDirty()) {
            // Another client may have committed a larger length or a later write meanwhile: never report less.
            return a.withWrites(open.sizeBytes(), open.modifiedNanos(), open.writtenSinceCommit());
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
