package io.mnemo.data.store;

import io.mnemo.core.error.FsException;
import io.mnemo.core.model.ChunkId;
import io.mnemo.core.model.InodeId;
import io.netty.buffer.ByteBuf;
import java.io.Closeable;
import java.util.List;

/**
 * The chunks one data node holds: byte ranges addressed by {@link ChunkId}, with holes.
 *
 * <p>A chunk springs into existence at its first write and has a length: one past its last
 * written byte. Nothing records which ranges were written, so a range never written inside the
 * length reads as zeros and anything at or after the length is simply absent; the client turns
 * absent bytes into zeros up to the file's length, which only the metadata server knows.
 *
 * <p>Every method is safe to call from many threads at once, on different chunks and on
 * different ranges of the same chunk. Writes to overlapping ranges of one chunk at the same
 * time leave either one's bytes in each position.
 *
 * <p>Every byte is covered by a checksum of its 64 KiB block: reads check every block they touch
 * and fail with {@code EIO} on a mismatch rather than return bytes they could not verify, and
 * {@link #verifyChunks} checks whole chunks.
 */
public interface ChunkStore extends Closeable {

    /**
     * Writes {@code data}'s readable bytes at {@code offsetBytes} of the chunk, creating the chunk
     * if needed (an empty write changes nothing); a write past the chunk's end leaves a hole.
     * Does not release {@code data} and leaves its indexes alone. Not durable until {@link #sync}.
     *
     * @throws FsException {@code EINVAL} for a negative offset or a range past
     *     {@link io.mnemo.core.model.Layout#MAX_CHUNK_SIZE}; {@code ENOSPC} when the disk or the
     *     node's capacity is full (chunks written before are unharmed; the bytes of the range are
     *     then unspecified, but never fail their checksums); {@code EIO} when the write covers part
     *     of a block that fails its checksum, or for any other I/O failure, naming the chunk
     */
    void write(ChunkId chunk, long offsetBytes, ByteBuf data) throws FsException;

    /**
     * Reads up to {@code lengthBytes} from {@code offsetBytes}: the bytes present, which is fewer
     * (possibly none) when the range reaches the chunk's end; a chunk that does not exist reads
     * as empty. The caller owns, and must release, the returned buffer.
     *
     * @throws FsException {@code EINVAL} for a negative offset or length or a range past
     *     {@link io.mnemo.core.model.Layout#MAX_CHUNK_SIZE}; {@code EIO} for an I/O failure or when
     *     a block the range touches fails its checksum, naming the chunk and the block
     */
    ByteBuf read(ChunkId chunk, long offsetBytes, int lengthBytes) throws FsException;

    /**
     * Reads every block of every chunk of the inode held here and checks it (a scrub). Returns the
     * damaged chunks, by index: those with a block whose bytes do not match its checksum, that is
     * known damaged, or that cannot be read. Reads nothing of chunks the node does not hold (it
     * cannot tell a chunk never written from one lost) and repairs nothing. Safe alongside reads
     * and writes of the same inode.
     *
     * @throws FsException {@code EIO} when the node's own index cannot be read
     */
    List<ChunkId> verifyChunks(InodeId inode) throws FsException;

    /**
     * Cuts chunk {@code index} of the inode to at most {@code lengthBytes} (never extends it; a
     * length of 0 removes it) and removes every chunk of the inode with a higher index: what a
     * file truncated to {@code index * chunkSize + lengthBytes} keeps on this node. Their disk
     * space is given back at once. Durable when it returns, except that a cut file or a removed
     * directory entry may come back after a crash of the machine, as bytes no chunk holds.
     *
     * @throws FsException {@code EINVAL} for a negative index or length; {@code EIO} for an I/O
     *     failure, naming the inode
     */
    void truncateChunks(InodeId inode, long index, long lengthBytes) throws FsException;

    /** Whether writes to chunks of the inode are waiting for a {@link #sync}. */
    boolean hasUnsynced(InodeId inode);

    /**
     * Removes every chunk of the inode, giving their disk space back; an inode with no chunks here
     * is not an error. Durable as {@link #truncateChunks} is.
     *
     * @throws FsException {@code EIO} for an I/O failure, naming the inode
     */
    void deleteChunks(InodeId inode) throws FsException;

    /**
     * Makes every write and truncation of the inode's chunks that completed before this call
     * durable (fdatasync), together with the directory entries of chunks it created or removed
     * and the checksums that vouch for those bytes.
     *
     * @throws FsException {@code EIO} when the disk could not make them durable, naming the chunk
     */
    void sync(InodeId inode) throws FsException;

    /** Bytes the chunks occupy: the sum of their lengths, holes included. */
    long usedBytes();

    /** Bytes this node offers: its configured capacity, or the size of the disk under it. */
    long capacityBytes();

    /** The disk under the chunks, as statfs counts it. */
    DiskSpace disk() throws FsException;

    /**
     * A disk: an id that every node on it reports alike on one machine (so that statfs counts
     * it once), its size, and what of it this node may still write.
     */
    record DiskSpace(String id, long totalBytes, long freeBytes) {}

    /**
     * Makes what is unsynced durable (best effort: a failure is logged), waits for the calls in
     * flight and closes open files; calls after this fail with {@code EIO}.
     */
    @Override
    void close();
}
