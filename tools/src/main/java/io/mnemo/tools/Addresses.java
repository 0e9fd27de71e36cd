package io.mnemo.tools;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import java.net.InetSocketAddress;

/** Parses {@code host:port} arguments. */
public final class Addresses {
    private Addresses() {}

    public static InetSocketAddress parse(String option, String hostPort) throws FsException {
        int colon = hostPort.lastIndexOf(':');
        try {
            if (colon <= 0) {
                throw new NumberFormatException();
            }
            int port = Integer.parseInt(hostPort.substring(colon + 1));
            if (port <= 0 || port > 65535) {
                throw new NumberFormatException();
            }
            return new InetSocketAddress(hostPort.substring(0, colon), port);
        } catch (NumberFormatException e) {
            throw new FsException(Errno.EINVAL, option + ": expected host:port, got '" + hostPort + "'");
        }
    }

    /** How a bound address is shown to users. */
    public static String show(InetSocketAddress address) {
        return address.getHostString() + ":" + address.getPort();
    }
}
