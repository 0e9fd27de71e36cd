package io.mnemo.data.net;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.ChunkId;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.net.Frame;
import io.mnemo.core.net.Reply;
import io.mnemo.core.net.RequestHandler;
import io.mnemo.core.proto.ChunkRequest;
import io.mnemo.core.proto.ChunkResponse;
import io.mnemo.core.proto.DeleteChunksReq;
import io.mnemo.core.proto.ReadChunkReq;
import io.mnemo.core.proto.TruncateChunksReq;
import io.mnemo.core.proto.VerifyChunksReq;
import io.mnemo.core.proto.WriteChunkReq;
import io.mnemo.data.store.ChunkStore;
import io.netty.buffer.ByteBuf;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code ChunkRequest}s from a {@link ChunkStore}: each operation to its store call, each
 * outcome to a {@code ChunkResponse}. A failure is an errno and a message in the response, never
 * an exception on the wire. A verify answers errno 0 with the indexes of the damaged chunks in
 * {@code damaged}; a non-zero errno means the node could not check.
 *
 * <p>Runs on the RPC server's handler executor, so the disk I/O here never blocks an event loop.
 * It releases every request's data; a read's bytes travel as the reply's data, which the frame
 * encoder releases once written.
 */
public final class ChunkRequestHandler implements RequestHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ChunkRequestHandler.class);

    /** The longest read served: what a reply frame of the default maximum carries. */
    public static final int MAX_READ_BYTES = 8 * 1024 * 1024;

    private final ChunkStore store;

    public ChunkRequestHandler(ChunkStore store) {
        this.store = store;
    }

    @Override
    public CompletableFuture<Reply> handle(Frame request) {
        try {
            return CompletableFuture.completedFuture(serve(request));
        } finally {
            request.release();
        }
    }

    private Reply serve(Frame request) {
        try {
            ChunkRequest message = request.parse(ChunkRequest.parser());
            return switch (message.getOpCase()) {
                case WRITE -> write(message.getWrite(), request.data());
                case READ -> read(message.getRead());
                case TRUNCATE -> truncate(message.getTruncate());
                case DELETE -> delete(message.getDelete());
                case STAT -> stat();
                case SYNC -> {
                    store.sync(inode(message.getSync().getInode()));
                    yield ok();
                }
                case VERIFY -> verify(message.getVerify());
                case OP_NOT_SET -> throw new FsException(Errno.ENOSYS, "chunk request without an operation this node knows");
            };
        } catch (FsException e) {
            // The store logged every EIO it produced, once; ENOSPC and bad requests are the caller's.
            return failed(e.errno(), e.reason());
        } catch (RuntimeException e) {
            LOG.error("chunk request failed unexpectedly", e);
            return failed(Errno.EIO, "data node failure: " + e);
        }
    }

    private Reply write(WriteChunkReq write, ByteBuf data) throws FsException {
        if (Integer.toUnsignedLong(write.getLength()) != data.readableBytes()) {
            throw new FsException(Errno.EINVAL, "write of " + Integer.toUnsignedString(write.getLength())
                    + " bytes carries " + data.readableBytes());
        }
        store.write(chunk(write.getInode(), write.getIndex()), write.getOffset(), data);
        return ok();
    }

    private Reply read(ReadChunkReq read) throws FsException {
        long lengthBytes = Integer.toUnsignedLong(read.getLength());
        if (lengthBytes > MAX_READ_BYTES) {
            throw new FsException(Errno.EINVAL, "read of " + lengthBytes + " bytes (at most " + MAX_READ_BYTES + ")");
        }
        ByteBuf bytes = store.read(chunk(read.getInode(), read.getIndex()), read.getOffset(), (int) lengthBytes);
        return new Reply(ChunkResponse.newBuilder().setLength(bytes.readableBytes()).build(), bytes);
    }

    private Reply truncate(TruncateChunksReq truncate) throws FsException {
        store.truncateChunks(inode(truncate.getInode()), truncate.getIndex(), truncate.getLength());
        return ok();
    }

    private Reply delete(DeleteChunksReq delete) throws FsException {
        for (long inode : delete.getInodesList()) {
            store.deleteChunks(inode(inode));
        }
        return ok();
    }

    private Reply verify(VerifyChunksReq verify) throws FsException {
        ChunkResponse.Builder response = ChunkResponse.newBuilder();
        for (ChunkId damaged : store.verifyChunks(inode(verify.getInode()))) {
            response.addDamaged(damaged.index());
        }
        return Reply.of(response.build());
    }

    private Reply stat() {
        return Reply.of(ChunkResponse.newBuilder()
                .setCapacityBytes(store.capacityBytes())
                .setUsedBytes(store.usedBytes())
                .build());
    }

    private static InodeId inode(long value) throws FsException {
        if (value <= 0) {
            throw new FsException(Errno.EINVAL, "no inode " + Long.toUnsignedString(value));
        }
        return new InodeId(value);
    }

    private static ChunkId chunk(long inode, long index) throws FsException {
        if (index < 0) {
            throw new FsException(Errno.EINVAL, "no chunk " + Long.toUnsignedString(index) + " of inode " + inode);
        }
        return new ChunkId(inode(inode), index);
    }

    private static Reply ok() {
        return Reply.of(ChunkResponse.getDefaultInstance());
    }

    private static Reply failed(Errno errno, String message) {
        return Reply.of(ChunkResponse.newBuilder().setErrno(errno.code()).setMessage(message).build());
    }
}
