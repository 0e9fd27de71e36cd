package io.mnemo.core.client;

import io.mnemo.core.error.FsException;
import io.mnemo.core.net.FrameType;
import io.mnemo.core.net.RpcClient;
import io.mnemo.core.proto.MetaRequest;
import io.mnemo.core.proto.MetaResponse;
import io.mnemo.core.proto.Protos;
import java.util.concurrent.CompletableFuture;

/** Metadata RPC: sends a request, returns the response, throws the errno it carries. */
final class MetaClient {
    private final RpcClient rpc;

    MetaClient(RpcClient rpc) {
        this.rpc = rpc;
    }

    MetaResponse call(MetaRequest request) throws FsException {
        MetaResponse response = Futures.await(callAsync(request));
        Protos.check(response.getErrno(), response.getMessage());
        return response;
    }

    CompletableFuture<MetaResponse> callAsync(MetaRequest request) {
        return rpc.call(FrameType.META_REQUEST, request).thenApply(frame -> {
            frame.release();
            try {
                return frame.parse(MetaResponse.parser());
            } catch (FsException e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        });
    }

    void close() {
        rpc.close();
    }

}
