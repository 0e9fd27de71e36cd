package io.mnemo.core.client;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Waits for RPC futures and turns whatever they failed with into an {@link FsException}. */
final class Futures {
    private Futures() {}

    static <T> T await(CompletableFuture<T> future) throws FsException {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FsException(Errno.EIO, "interrupted");
        } catch (ExecutionException e) {
            throw asFsException(e.getCause());
        }
    }

    static FsException asFsException(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t instanceof FsException fs ? fs : new FsException(Errno.EIO, String.valueOf(t), t);
    }
}
