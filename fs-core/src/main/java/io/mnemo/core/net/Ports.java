package io.mnemo.core.net;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Checks made before a server creates anything, so that a taken port fails it with one line. */
public final class Ports {
    private Ports() {}

    /**
     * Fails when {@code host:port} cannot be listened on, naming the {@code option} that chose it.
     * The port could still be taken between this check and the server's bind; the check is for
     * the common mistake, so that it leaves no new state directory behind.
     */
    public static void requireFree(String host, int port, String option) throws FsException {
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(host, port));
        } catch (IOException e) {
            throw new FsException(Errno.EIO, host + ":" + port + ": cannot listen (" + option + "): " + e.getMessage());
        }
    }
}
