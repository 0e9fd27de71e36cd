package io.mnemo.data.store;

import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import com.google.common.util.concurrent.Striped;
import com.google.errorprone.annotations.concurrent.GuardedBy;
import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.ChunkId;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.model.Layout;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ChunkStore} keeping each chunk as one sparse file, {@code <dir>/<inode as 16 hex
 * digits>/<index in decimal>}, written and read in place with positional I/O.
 *
 * <p>Concurrency. Reads, writes and syncs of an inode share its lock (striped by inode);
 * truncation and deletion take it exclusively, so they never race with I/O on the files they
 * cut or remove, and the length bookkeeping below stays exact. Open files live in a small LRU
 * table; a file in use is never closed under its user, so the table may briefly exceed its
 * bound when more files than that are in use at once. Lock order: inode lock, then the table's.
 *
 * <p>Used bytes are the sum of chunk lengths: counted by one directory walk at open, then
 * adjusted by every write, truncation and deletion.
 *
 * <p>Durability. Each write records its chunk as unsynced, and each created or removed file its
 * directory; {@link #sync} fdatasyncs exactly those. The record is by chunk, not by open file,
 * so a file closed by the LRU before its sync is reopened to be synced.
 *
 * <p>Checksums. Every byte enters through {@code writeFully} and leaves through
 * {@code readFully}; a CRC32C per 64 KiB block belongs around those two, with a write that
 * starts or ends inside a block re-reading that block's other bytes.
 */
public final class FileChunkStore implements ChunkStore {
    private static final Logger LOG = LoggerFactory.getLogger(FileChunkStore.class);

    /** Open chunk files kept between requests: enough for every stream a node serves at once. */
    public static final int DEFAULT_OPEN_FILES = 256;
    private static final int INODE_LOCK_STRIPES = 1024;

    private final Path dir;
    private final long capacityBytes;
    private final int maxOpenFiles;
    private final AtomicLong usedBytes;
    private final Striped<ReadWriteLock> inodeLocks = Striped.readWriteLock(INODE_LOCK_STRIPES);
    /** Per inode, what {@link #sync} has to flush. Changed only inside {@code compute}, removed by sync. */
    private final ConcurrentHashMap<InodeId, Unsynced> unsynced = new ConcurrentHashMap<>();

    private final Object openLock = new Object();
    @GuardedBy("openLock")
    private final LinkedHashMap<ChunkId, OpenChunk> open = new LinkedHashMap<>(64, 0.75f, true);
    @GuardedBy("openLock")
    private boolean closed;

    private FileChunkStore(Path dir, long capacityBytes, int maxOpenFiles, long usedBytes) {
        this.dir = dir;
        this.capacityBytes = capacityBytes;
        this.maxOpenFiles = maxOpenFiles;
        this.usedBytes = new AtomicLong(usedBytes);
    }

    /** Opens (creating if needed) the store in {@code dir}, with {@link #DEFAULT_OPEN_FILES}. */
    public static FileChunkStore open(Path dir, long capacityBytes) throws FsException {
        return open(dir, capacityBytes, DEFAULT_OPEN_FILES);
    }

    /**
     * Opens (creating if needed) the store in {@code dir}.
     *
     * @param capacityBytes the most bytes the chunks may use; 0 for the size of the disk
     * @param maxOpenFiles how many chunk files stay open between requests
     * @throws FsException {@code EIO} when the directory cannot be created or read
     */
    public static FileChunkStore open(Path dir, long capacityBytes, int maxOpenFiles) throws FsException {
        if (capacityBytes < 0 || maxOpenFiles < 1) {
            throw new IllegalArgumentException("capacity " + capacityBytes + ", open files " + maxOpenFiles);
        }
        try {
            Files.createDirectories(dir);
            long capacity = capacityBytes > 0 ? capacityBytes : Files.getFileStore(dir).getTotalSpace();
            return new FileChunkStore(dir, capacity, maxOpenFiles, sumOfChunkLengths(dir));
        } catch (IOException e) {
            throw failure("opening the chunk store in " + dir, e);
        }
    }

    private static long sumOfChunkLengths(Path dir) throws IOException {
        long[] sum = {0};
        Files.walkFileTree(dir, EnumSet.noneOf(FileVisitOption.class), 2, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isRegularFile()) {
                    sum[0] += attrs.size();
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return sum[0];
    }

    @Override
    public void write(ChunkId chunk, long offsetBytes, ByteBuf data) throws FsException {
        int lengthBytes = data.readableBytes();
        requireWithinChunk(chunk, offsetBytes, lengthBytes);
        if (lengthBytes == 0) {
            return;
        }
        long end = offsetBytes + lengthBytes;
        Lock shared = inodeLock(chunk.inode()).readLock();
        shared.lock();
        try {
            OpenChunk file = acquire(chunk, true);
            try {
                long growth = end - file.lengthBytes.get();
                if (growth > 0 && usedBytes.get() + growth > capacityBytes) {
                    throw new FsException(Errno.ENOSPC, "writing " + chunk + ": the node's capacity of "
                            + capacityBytes + " bytes is used up");
                }
                writeFully(file.channel, data, offsetBytes);
                grow(file, end);
            } catch (IOException e) {
                regrowFromDisk(file);
                throw failure("writing " + chunk, e);
            } finally {
                release(file);
            }
            unsynced.compute(chunk.inode(), (inode, u) -> (u == null ? new Unsynced() : u).chunk(chunk.index()));
        } finally {
            shared.unlock();
        }
    }

    @Override
    public ByteBuf read(ChunkId chunk, long offsetBytes, int lengthBytes) throws FsException {
        requireWithinChunk(chunk, offsetBytes, lengthBytes);
        Lock shared = inodeLock(chunk.inode()).readLock();
        shared.lock();
        try {
            OpenChunk file = acquire(chunk, false);
            if (file == null) {
                return Unpooled.EMPTY_BUFFER;
            }
            try {
                long present = Math.min(lengthBytes, file.lengthBytes.get() - offsetBytes);
                if (present <= 0) {
                    return Unpooled.EMPTY_BUFFER;
                }
                return readFully(file.channel, offsetBytes, (int) present);
            } catch (IOException e) {
                throw failure("reading " + chunk, e);
            } finally {
                release(file);
            }
        } finally {
            shared.unlock();
        }
    }

    @Override
    public void truncateChunks(InodeId inode, long index, long lengthBytes) throws FsException {
        if (index < 0 || lengthBytes < 0) {
            throw new FsException(Errno.EINVAL, "truncating " + inode + " to chunk " + index + " length " + lengthBytes);
        }
        Lock exclusive = inodeLock(inode).writeLock();
        exclusive.lock();
        try {
            closeOpenChunks(inode);
            Path inodeDir = inodeDir(inode);
            boolean removed = false;
            for (Path file : chunkFiles(inodeDir)) {
                long fileIndex = indexOf(file);
                if (fileIndex > index || (fileIndex == index && lengthBytes == 0)) {
                    long size = Files.size(file);
                    Files.delete(file);
                    usedBytes.addAndGet(-size);
                    removed = true;
                } else if (fileIndex == index) {
                    cut(file, lengthBytes);
                    unsynced.compute(inode, (i, u) -> (u == null ? new Unsynced() : u).chunk(index));
                }
            }
            if (removed) {
                unsynced.compute(inode, (i, u) -> (u == null ? new Unsynced() : u).entriesChanged());
            }
        } catch (IOException e) {
            throw failure("truncating the chunks of " + inode + " to chunk " + index + " length " + lengthBytes, e);
        } finally {
            exclusive.unlock();
        }
    }

    private void cut(Path file, long lengthBytes) throws IOException {
        try (FileChannel channel = FileChannel.open(file, WRITE)) {
            long size = channel.size();
            if (size > lengthBytes) {
                channel.truncate(lengthBytes);
                usedBytes.addAndGet(lengthBytes - size);
            }
        }
    }

    @Override
    public void deleteChunks(InodeId inode) throws FsException {
        Lock exclusive = inodeLock(inode).writeLock();
        exclusive.lock();
        try {
            closeOpenChunks(inode);
            Path inodeDir = inodeDir(inode);
            for (Path file : chunkFiles(inodeDir)) {
                long size = Files.size(file);
                Files.delete(file);
                usedBytes.addAndGet(-size);
            }
            Files.deleteIfExists(inodeDir);
            // Nothing of the inode is left to sync; a delete is not made durable (a lost one
            // leaves chunks that garbage collection removes again).
            unsynced.remove(inode);
        } catch (IOException e) {
            throw failure("deleting the chunks of " + inode, e);
        } finally {
            exclusive.unlock();
        }
    }

    @Override
    public void sync(InodeId inode) throws FsException {
        Lock shared = inodeLock(inode).readLock();
        shared.lock();
        try {
            Unsynced pending = unsynced.remove(inode);
            if (pending == null) {
                return;
            }
            try {
                for (long index : pending.chunks) {
                    ChunkId chunk = new ChunkId(inode, index);
                    OpenChunk file = acquire(chunk, false);
                    if (file != null) {
                        try {
                            file.channel.force(false);
                        } catch (IOException e) {
                            throw failure("syncing " + chunk, e);
                        } finally {
                            release(file);
                        }
                    }
                }
                if (pending.entriesChanged) {
                    forceDirectory(inodeDir(inode));
                }
                if (pending.inodeDirCreated) {
                    forceDirectory(dir);
                }
            } catch (IOException e) {
                // Leave it all for the next sync to retry.
                unsynced.compute(inode, (i, u) -> pending.mergeInto(u));
                throw failure("syncing the directory entries of " + inode, e);
            }
        } finally {
            shared.unlock();
        }
    }

    @Override
    public long usedBytes() {
        return usedBytes.get();
    }

    @Override
    public long capacityBytes() {
        return capacityBytes;
    }

    @Override
    public void close() {
        synchronized (openLock) {
            closed = true;
            for (OpenChunk file : open.values()) {
                if (file.users == 0) {
                    closeQuietly(file);
                }
            }
            // Files in use are closed by their last user's release.
            open.clear();
        }
    }

    // ------------------------------------------------------------------ bytes in and out

    private static void writeFully(FileChannel channel, ByteBuf data, long position) throws IOException {
        long at = position;
        for (ByteBuffer buffer : data.nioBuffers()) {
            while (buffer.hasRemaining()) {
                at += channel.write(buffer, at);
            }
        }
    }

    private static ByteBuf readFully(FileChannel channel, long position, int lengthBytes) throws IOException {
        ByteBuf buffer = ByteBufAllocator.DEFAULT.ioBuffer(lengthBytes, lengthBytes);
        try {
            while (buffer.isWritable()) {
                int read = buffer.writeBytes(channel, position + buffer.writerIndex(), buffer.writableBytes());
                if (read <= 0) {
                    break; // shorter than its recorded length: return what is there
                }
            }
            return buffer;
        } catch (IOException | RuntimeException e) {
            buffer.release();
            throw e;
        }
    }

    private void grow(OpenChunk file, long end) {
        long before = file.lengthBytes.getAndAccumulate(end, Math::max);
        if (end > before) {
            usedBytes.addAndGet(end - before);
        }
    }

    /** After a failed write, some of it may have reached the file: count what did. */
    private void regrowFromDisk(OpenChunk file) {
        try {
            grow(file, file.channel.size());
        } catch (IOException e) {
            LOG.debug("cannot read the size of {} after a failed write", file.chunk, e);
        }
    }

    // ------------------------------------------------------------------ open files

    /** A chunk file open for reading and writing, with its length; one per chunk at a time. */
    private static final class OpenChunk {
        final ChunkId chunk;
        final FileChannel channel;
        final AtomicLong lengthBytes;
        @GuardedBy("FileChunkStore.openLock")
        int users;

        private OpenChunk(ChunkId chunk, FileChannel channel, long lengthBytes) {
            this.chunk = chunk;
            this.channel = channel;
            this.lengthBytes = new AtomicLong(lengthBytes);
        }

        static OpenChunk of(ChunkId chunk, FileChannel channel) throws IOException {
            try {
                return new OpenChunk(chunk, channel, channel.size());
            } catch (IOException e) {
                channel.close();
                throw e;
            }
        }
    }

    /** The chunk's open file, opened (and with {@code create}, created) if needed; null if absent. */
    private OpenChunk acquire(ChunkId chunk, boolean create) throws FsException {
        synchronized (openLock) {
            if (closed) {
                throw new FsException(Errno.EIO, "chunk store in " + dir + " is closed");
            }
            OpenChunk file = open.get(chunk);
            if (file != null && !file.channel.isOpen()) {
                // An interrupted I/O closed it (shutdown): forget it, its users close nothing more.
                open.remove(chunk);
                file = null;
            }
            if (file == null) {
                try {
                    file = openFile(chunk, create);
                } catch (IOException e) {
                    throw failure("opening " + chunk, e);
                }
                if (file == null) {
                    return null;
                }
                open.put(chunk, file);
            }
            file.users++;
            evictIdle();
            return file;
        }
    }

    private void release(OpenChunk file) {
        synchronized (openLock) {
            file.users--;
            if (file.users == 0 && (closed || open.get(file.chunk) != file)) {
                closeQuietly(file);
            }
        }
    }

    @GuardedBy("openLock")
    private OpenChunk openFile(ChunkId chunk, boolean create) throws IOException {
        Path path = chunkPath(chunk);
        try {
            return OpenChunk.of(chunk, FileChannel.open(path, READ, WRITE));
        } catch (NoSuchFileException absent) {
            if (!create) {
                return null;
            }
        }
        boolean inodeDirCreated = false;
        try {
            Files.createDirectory(path.getParent());
            inodeDirCreated = true;
        } catch (FileAlreadyExistsException exists) {
            // An earlier chunk of the inode made it.
        }
        // No one else can create it: the table lock is held and deletion waits for the inode lock.
        OpenChunk file = OpenChunk.of(chunk, FileChannel.open(path, CREATE_NEW, READ, WRITE));
        boolean dirCreated = inodeDirCreated;
        unsynced.compute(chunk.inode(), (inode, u) -> {
            Unsynced changed = (u == null ? new Unsynced() : u).entriesChanged();
            return dirCreated ? changed.inodeDirCreated() : changed;
        });
        return file;
    }

    @GuardedBy("openLock")
    private void evictIdle() {
        Iterator<OpenChunk> eldestFirst = open.values().iterator();
        while (open.size() > maxOpenFiles && eldestFirst.hasNext()) {
            OpenChunk file = eldestFirst.next();
            if (file.users == 0) {
                eldestFirst.remove();
                closeQuietly(file);
            }
        }
    }

    /** Closes the inode's open files; the caller holds the inode's lock exclusively, so none is in use. */
    private void closeOpenChunks(InodeId inode) {
        synchronized (openLock) {
            Iterator<OpenChunk> files = open.values().iterator();
            while (files.hasNext()) {
                OpenChunk file = files.next();
                if (file.chunk.inode().equals(inode)) {
                    files.remove();
                    closeQuietly(file);
                }
            }
        }
    }

    private static void closeQuietly(OpenChunk file) {
        try {
            file.channel.close();
        } catch (IOException e) {
            LOG.warn("closing {} failed: {}", file.chunk, e.toString());
        }
    }

    // ------------------------------------------------------------------ durability bookkeeping

    /** What one inode has changed since its last sync. Mutated only inside {@code unsynced.compute}. */
    private static final class Unsynced {
        final Set<Long> chunks = new HashSet<>();
        boolean entriesChanged;
        boolean inodeDirCreated;

        Unsynced chunk(long index) {
            chunks.add(index);
            return this;
        }

        Unsynced entriesChanged() {
            entriesChanged = true;
            return this;
        }

        Unsynced inodeDirCreated() {
            inodeDirCreated = true;
            return this;
        }

        Unsynced mergeInto(Unsynced newer) {
            if (newer != null) {
                chunks.addAll(newer.chunks);
                entriesChanged |= newer.entriesChanged;
                inodeDirCreated |= newer.inodeDirCreated;
            }
            return this;
        }
    }

    private static void forceDirectory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, READ)) {
            channel.force(true);
        } catch (NoSuchFileException gone) {
            // Deleted since: nothing left to make durable.
        }
    }

    // ------------------------------------------------------------------ names and errors

    private ReadWriteLock inodeLock(InodeId inode) {
        return inodeLocks.get(inode);
    }

    private Path inodeDir(InodeId inode) {
        return dir.resolve(HexFormat.of().toHexDigits(inode.value()));
    }

    private Path chunkPath(ChunkId chunk) {
        return inodeDir(chunk.inode()).resolve(Long.toString(chunk.index()));
    }

    /** The inode's chunk files; none if it has no directory. */
    private static List<Path> chunkFiles(Path inodeDir) throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(inodeDir)) {
            for (Path entry : entries) {
                if (indexOf(entry) >= 0) {
                    files.add(entry);
                }
            }
        } catch (NoSuchFileException noChunks) {
            return List.of();
        }
        return files;
    }

    /** The chunk index a file name holds, or -1 for a name that is not one. */
    private static long indexOf(Path file) {
        String name = file.getFileName().toString();
        if (name.isEmpty() || name.length() > 19 || !name.chars().allMatch(Character::isDigit)) {
            return -1;
        }
        try {
            return Long.parseLong(name);
        } catch (NumberFormatException tooLarge) {
            return -1;
        }
    }

    private static void requireWithinChunk(ChunkId chunk, long offsetBytes, long lengthBytes) throws FsException {
        if (offsetBytes < 0 || lengthBytes < 0 || offsetBytes > Layout.MAX_CHUNK_SIZE
                || lengthBytes > Layout.MAX_CHUNK_SIZE - offsetBytes) {
            throw new FsException(Errno.EINVAL, "range " + offsetBytes + "+" + lengthBytes + " of " + chunk
                    + " is outside a chunk's " + Layout.MAX_CHUNK_SIZE + " bytes");
        }
    }

    /** The one place an I/O failure becomes an errno. */
    private static FsException failure(String what, IOException e) {
        if (e instanceof FsException fs) {
            return fs;
        }
        String reason = String.valueOf(e.getMessage());
        if (reason.contains("No space left on device") || reason.contains("Disk quota exceeded")) {
            return new FsException(Errno.ENOSPC, what + ": no space left on device", e);
        }
        if (reason.contains("File too large")) {
            return new FsException(Errno.EFBIG, what + ": file too large", e);
        }
        return new FsException(Errno.EIO, what + " failed: " + e, e);
    }

    @Override
    public String toString() {
        return "FileChunkStore[" + dir + "]";
    }
}
