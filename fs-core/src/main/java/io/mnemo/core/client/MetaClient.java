package io.mnemo.core.client;

import io.mnemo.core.error.FsException;
import io.mnemo.core.net.FrameDecoder;
import io.mnemo.core.net.FrameType;
import io.mnemo.core.net.InProcess;
import io.mnemo.core.net.RpcClient;
import io.mnemo.core.proto.MetaRequest;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.core.proto.Protos;
import io.netty.channel.EventLoopGroup;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Metadata RPC: sends a request, returns the response, throws the errno it carries. A metadata
 * server in this JVM is called directly ({@link InProcess}), any other over the network.
 */
final class MetaClient {
    private final RpcClient rpc;
    private final MetaService direct;

    private MetaClient(RpcClient rpc, MetaService direct) {
        this.rpc = rpc;
        this.direct = direct;
    }

    static MetaClient connect(EventLoopGroup group, ClientConfig config) throws FsException {
        MetaService local = config.directCalls()
                ? InProcess.find(config.metaAddress(), MetaService.class, config.secret()).orElse(null)
                : null;
        if (local != null) {
            return new MetaClient(null, local);
        }
        return new MetaClient(new RpcClient(group, config.metaAddress(), config.secret(), config.connectionsPerPeer(),
                FrameDecoder.DEFAULT_MAX_FRAME_BYTES, config.rpcTimeoutMillis()), null);
    }

    MetaResponse call(MetaRequest request) throws FsException {
        MetaResponse response = Futures.await(callAsync(request));
        Protos.check(response.getErrno(), response.getMessage());
        return response;
    }

    CompletableFuture<MetaResponse> callAsync(MetaRequest request) {
        if (direct != null) {
            return direct.serve(request);
        }
        return rpc.call(FrameType.META_REQUEST, request).thenApply(frame -> {
            frame.release();
            try {
                return frame.parse(MetaResponse.parser());
            } catch (FsException e) {
                throw new CompletionException(e);
            }
        });
    }

    void close() {
        if (rpc != null) {
            rpc.close();
        }
    }
}
