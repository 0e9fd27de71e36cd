package io.mnemo.meta;

import io.mnemo.core.error.Errno;
import io.mnemo.core.client.MetaService;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.FileType;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.net.Frame;
import io.mnemo.core.net.Reply;
import io.mnemo.core.net.RequestHandler;
import io.mnemo.core.proto.MetaCommand;
import io.mnemo.core.proto.MetaRequest;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.core.proto.Protos;
import io.mnemo.core.proto.RegisterNodeReply;
import io.mnemo.core.proto.RegisterNodeReq;
import io.mnemo.core.proto.SetxattrReq;
import io.mnemo.core.proto.InlineWrite;
import io.mnemo.core.proto.WriteInlineReq;
import io.mnemo.meta.cluster.LayoutPolicy;
import io.mnemo.meta.cluster.LayoutSpec;
import io.mnemo.meta.cluster.NodeRegistry;
import io.mnemo.core.proto.OpenReq;
import io.mnemo.core.proto.ReleaseReq;
import io.mnemo.meta.ops.AccessOp;
import io.mnemo.meta.ops.GetattrOp;
import io.mnemo.meta.ops.GetxattrOp;
import io.mnemo.meta.ops.ListxattrOp;
import io.mnemo.meta.ops.LookupOp;
import io.mnemo.meta.ops.OpenOp;
import io.mnemo.meta.ops.ReaddirOp;
import io.mnemo.meta.ops.Replies;
import io.mnemo.meta.raft.Proposer;
import io.mnemo.meta.session.Sessions;
import io.mnemo.meta.store.ReadView;
import io.mnemo.meta.store.Schema;
import java.time.Instant;
import java.time.InstantSource;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves metadata requests on the leader. Reads go straight to the store; mutations become
 * {@link MetaCommand}s carrying everything apply must not choose itself (the time, a new inode
 * id, a new file's layout) and the request's caller, and are proposed through Raft; the
 * operations check the caller's permissions. Opens, releases and session renewals touch only
 * the in-memory {@link Sessions} (and, for an open, a permission check): they never go through
 * Raft.
 *
 * <p>Two checks run here, before proposing, because they need what only the leader has: a
 * write_inline reaching past the inline threshold is EFBIG at once, so that oversized contents
 * never enter the log (apply checks the same threshold again); and setting
 * {@code user.mnemo.layout} of a regular file that some session holds open is EBUSY, since the
 * holder keeps writing by the layout it opened the file with.
 */
final class MetaRequestHandler implements RequestHandler, MetaService {
    private static final Logger LOG = LoggerFactory.getLogger(MetaRequestHandler.class);

    private final ReadView store;
    private final Proposer proposer;
    private final InodeAllocator inodes;
    private final LayoutPolicy layouts;
    private final NodeRegistry nodes;
    private final Sessions sessions;
    private final InstantSource clock;
    private final int inlineThresholdBytes;

    MetaRequestHandler(ReadView store, Proposer proposer, InodeAllocator inodes, LayoutPolicy layouts,
            NodeRegistry nodes, Sessions sessions, InstantSource clock, int inlineThresholdBytes) {
        this.store = store;
        this.proposer = proposer;
        this.inodes = inodes;
        this.layouts = layouts;
        this.nodes = nodes;
        this.sessions = sessions;
        this.clock = clock;
        this.inlineThresholdBytes = inlineThresholdBytes;
    }

    @Override
    public CompletableFuture<Reply> handle(Frame frame) {
        MetaRequest request;
        try {
            request = frame.parse(MetaRequest.parser());
        } catch (FsException e) {
            return CompletableFuture.completedFuture(Reply.of(Replies.error(e)));
        } finally {
            frame.release();
        }
        return serve(request).thenApply(Reply::of);
    }

    /** The response to one request, from the network or from a client in this JVM; it never fails. */
    @Override
    public CompletableFuture<MetaResponse> serve(MetaRequest request) {
        CompletableFuture<MetaResponse> response;
        try {
            response = dispatch(request);
        } catch (FsException e) {
            return CompletableFuture.completedFuture(Replies.error(e));
        } catch (RuntimeException e) {
            response = CompletableFuture.failedFuture(e);
        }
        return response.isDone() && !response.isCompletedExceptionally() ? response
                : response.exceptionally(MetaRequestHandler::failure);
    }

    /** The response to one request; a POSIX failure may also be thrown as FsException. */
    private CompletableFuture<MetaResponse> dispatch(MetaRequest req) throws FsException {
        return switch (req.getOpCase()) {
            case LOOKUP -> done(LookupOp.run(store, req.getCaller(), req.getLookup()));
            case GETATTR -> done(GetattrOp.run(store, req.getGetattr()));
            case READDIR -> done(ReaddirOp.run(store, req.getCaller(), req.getReaddir()));
            case GETXATTR -> done(GetxattrOp.run(store, req.getCaller(), req.getGetxattr()));
            case LISTXATTR -> done(ListxattrOp.run(store, req.getCaller(), req.getListxattr()));
            case ACCESS -> done(AccessOp.run(store, req.getCaller(), req.getAccess()));
            case OPEN -> done(open(req));
            case RELEASE -> done(release(req.getRelease()));
            case SESSION -> {
                sessions.renew(req.getSession().getSession());
                yield done(Replies.ok());
            }
            case STATFS -> done(MetaResponse.newBuilder().setStatfs(nodes.statfs()).build());
            case CLUSTER_INFO -> done(MetaResponse.newBuilder().setClusterInfo(nodes.clusterInfo()).build());
            case CREATE -> req.getCreate().hasOpen() ? createAndOpen(req) : proposer.propose(create(req));
            case UNLINK -> proposer.propose(command(req).setUnlink(req.getUnlink()).build());
            case RENAME -> proposer.propose(command(req).setRename(req.getRename()).build());
            case LINK -> proposer.propose(command(req).setLink(req.getLink()).build());
            case SETATTR -> proposer.propose(command(req).setSetattr(req.getSetattr()).build());
            case COMMIT_LENGTH -> proposer.propose(command(req).setCommitLength(req.getCommitLength()).build());
            case WRITE_INLINE -> proposer.propose(writeInline(req));
            case SETXATTR -> proposer.propose(setxattr(req));
            case REMOVEXATTR -> proposer.propose(command(req).setRemovexattr(req.getRemovexattr()).build());
            case REGISTER_NODE -> register(req);
            case SYNC -> proposer.sync().thenApply(synced -> Replies.ok());
            case OP_NOT_SET -> throw new FsException(Errno.EINVAL, "request without an operation");
        };
    }

    private MetaCommand create(MetaRequest req) throws FsException {
        if (req.getCreate().getTmpfile() && !req.getCreate().hasOpen()) {
            throw new FsException(Errno.EINVAL, "O_TMPFILE without an open would be collected at once");
        }
        InodeId id = inodes.next();
        MetaCommand.Builder cmd = command(req).setNewInode(id.value()).setCreate(req.getCreate().toBuilder().clearOpen());
        if (req.getCreate().getType() == FileType.REGULAR.ordinal()) {
            // Without chains the command goes without a layout: apply answers ENOSPC unless the file exists.
            layouts.choose(id).ifPresent(layout -> cmd.setNewLayout(Protos.toMsg(layout)));
        }
        return cmd.build();
    }

    /**
     * open(O_CREAT) in one round trip: the create, then, if it succeeded, the open of what it
     * answered. A file the create made is new, empty and the caller's, so open's checks would all
     * pass and its reads find nothing new: it only needs recording as held by the session.
     */
    private CompletableFuture<MetaResponse> createAndOpen(MetaRequest req) throws FsException {
        MetaCommand create = create(req);
        long session = req.getCreate().getOpen().getSession();
        InodeId fresh = new InodeId(create.getNewInode());
        // Held before it exists, so that no unlink and collection can come between create and hold.
        sessions.open(session, fresh);
        return proposer.propose(create).whenComplete((created, e) -> {
            if (e != null || created.getErrno() != 0 || created.getAttr().getInode() != fresh.value()) {
                sessions.release(session, fresh);
            }
        }).thenApply(created -> {
            if (created.getErrno() != 0 || created.getAttr().getInode() == fresh.value()) {
                return created;
            }
            OpenReq open = req.getCreate().getOpen().toBuilder()
                    .setInode(created.getAttr().getInode()).setCreated(true).build();
            try {
                return open(req.toBuilder().setOpen(open).build());
            } catch (FsException e) {
                return Replies.error(e);
            }
        });
    }

    private MetaCommand writeInline(MetaRequest req) throws FsException {
        WriteInlineReq write = req.getWriteInline();
        long end = write.getData().size();
        for (InlineWrite w : write.getWritesList()) {
            end = Math.max(end, w.getOffset() + w.getData().size());
        }
        if (end > inlineThresholdBytes || end < 0) { // offsets are u64: "negative" is beyond 2^63
            throw new FsException(Errno.EFBIG, "writing inline up to byte " + Long.toUnsignedString(end)
                    + " does not fit (at most " + inlineThresholdBytes + "): move the file to chunks");
        }
        return command(req).setWriteInline(write).build();
    }

    private MetaCommand setxattr(MetaRequest req) throws FsException {
        SetxattrReq set = req.getSetxattr();
        if (set.getName().equals(LayoutSpec.XATTR) && set.getInode() > 0) {
            InodeId inode = new InodeId(set.getInode());
            boolean regular = store.get(Schema.INODE, inode).map(i -> i.attributes().isRegular()).orElse(false);
            if (regular && sessions.isOpen(inode)) {
                throw new FsException(Errno.EBUSY, inode + " is open: its layout can change only while nobody"
                        + " holds it open");
            }
        }
        return command(req).setSetxattr(set).build();
    }

    /**
     * Checks the open and records it in the session. The open is registered before the inode is
     * read (see {@link Sessions#open}) and withdrawn if the check fails. A peek records nothing.
     */
    private MetaResponse open(MetaRequest req) throws FsException {
        OpenReq open = req.getOpen();
        InodeId inode = inodeId(open.getInode());
        if (open.getPeek()) {
            return OpenOp.run(store, req.getCaller(), open, sessions.openCount(open.getSession(), inode) > 0);
        }
        boolean heldAlready = sessions.open(open.getSession(), inode);
        try {
            return OpenOp.run(store, req.getCaller(), open, heldAlready);
        } catch (FsException | RuntimeException e) {
            sessions.release(open.getSession(), inode);
            throw e;
        }
    }

    private MetaResponse release(ReleaseReq release) throws FsException {
        sessions.release(release.getSession(), inodeId(release.getInode()));
        return Replies.ok();
    }

    private static InodeId inodeId(long value) throws FsException {
        if (value <= 0) {
            throw new FsException(Errno.ENOENT, "no inode " + value);
        }
        return new InodeId(value);
    }

    private CompletableFuture<MetaResponse> register(MetaRequest req) {
        RegisterNodeReq node = req.getRegisterNode();
        OptionalInt known = nodes.renewIfRegistered(node);
        if (known.isPresent()) {
            return done(registered(known.getAsInt()));
        }
        return proposer.propose(command(req).setRegisterNode(node).build()).thenApply(response -> {
            if (response.getErrno() == 0) {
                nodes.renew(response.getRegisterNode().getNodeId(), node);
            }
            return response;
        });
    }

    private MetaCommand.Builder command(MetaRequest req) {
        Instant now = clock.instant();
        return MetaCommand.newBuilder()
                .setNowNs(now.getEpochSecond() * 1_000_000_000L + now.getNano())
                .setInlineLimit(inlineThresholdBytes)
                .setCaller(req.getCaller());
    }

    private static MetaResponse registered(int nodeId) {
        return MetaResponse.newBuilder().setRegisterNode(RegisterNodeReply.newBuilder().setNodeId(nodeId)).build();
    }

    private static CompletableFuture<MetaResponse> done(MetaResponse response) {
        return CompletableFuture.completedFuture(response);
    }

    private static MetaResponse failure(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof FsException fs) {
            return Replies.error(fs);
        }
        LOG.error("metadata request failed", cause);
        return Replies.error(new FsException(Errno.EIO, "metadata server error: " + cause));
    }
}
