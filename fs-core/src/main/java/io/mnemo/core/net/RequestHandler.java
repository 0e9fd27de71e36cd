package io.mnemo.core.net;

import java.util.concurrent.CompletableFuture;

/**
 * Serves one kind of request frame. Runs on the server's bounded executor, never on an event
 * loop. Must release the request's data, and must answer every request with a {@link Reply}
 * (errors travel inside the reply): a future that fails closes the connection.
 */
@FunctionalInterface
public interface RequestHandler {
    CompletableFuture<Reply> handle(Frame request);
}
