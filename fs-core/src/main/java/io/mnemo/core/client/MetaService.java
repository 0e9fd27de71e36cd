package io.mnemo.core.client;

import io.mnemo.core.proto.MetaRequest;
import io.mnemo.core.proto.MetaResponse;
import java.util.concurrent.CompletableFuture;

/**
 * The metadata service as a client in its own JVM calls it (see {@link io.mnemo.core.net.InProcess}):
 * the same requests and responses as over the network, without serializing them. Failures travel
 * in the response's errno, as they do over the wire.
 */
@FunctionalInterface
public interface MetaService {
    CompletableFuture<MetaResponse> serve(MetaRequest request);
}
