package io.mnemo.core.net;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Services listening in this JVM, by the address they listen on, so that a client in the same
 * process (as under {@code mnemo up}, where the mount, the metadata server and the data nodes
 * share one JVM) can call them directly instead of through a socket. A loopback round trip costs
 * four to six thread hand-offs, each tens of microseconds on a busy machine; a direct call costs
 * none. The client still proves the cluster secret, by holding the same one.
 */
public final class InProcess {
    private static final Map<Key, Registration<?>> SERVICES = new ConcurrentHashMap<>();

    private InProcess() {}

    private record Key(InetSocketAddress address, Class<?> type) {}

    private static final class Registration<S> {
        private final ClusterSecret secret;
        private final S service;
        /** The client secret that last proved itself, so that a client's every call is not an HMAC. */
        private volatile ClusterSecret verified;

        Registration(ClusterSecret secret, S service) {
            this.secret = secret;
            this.service = service;
        }

        boolean admits(ClusterSecret clientSecret) {
            if (clientSecret == verified) {
                return true;
            }
            byte[] nonce = ClusterSecret.nonce();
            if (!secret.verify(nonce, clientSecret.mac(nonce))) {
                return false;
            }
            verified = clientSecret;
            return true;
        }
    }

    /** A registration; closing it makes the service unreachable in-process. */
    public interface Handle extends AutoCloseable {
        @Override
        void close();
    }

    /** Makes {@code service} reachable at {@code address} until the returned handle is closed. */
    public static <S> Handle register(InetSocketAddress address, Class<S> type, ClusterSecret secret, S service) {
        Key key = new Key(address, type);
        Registration<S> registration = new Registration<>(secret, service);
        SERVICES.put(key, registration);
        return () -> SERVICES.remove(key, registration);
    }

    /**
     * The service of {@code type} listening at {@code address} in this JVM, if there is one.
     *
     * @throws FsException EACCES if it belongs to a cluster with another secret (as the handshake would say)
     */
    public static <S> Optional<S> find(InetSocketAddress address, Class<S> type, ClusterSecret secret)
            throws FsException {
        Registration<?> r = SERVICES.get(new Key(address, type));
        if (r == null) {
            return Optional.empty();
        }
        if (!r.admits(secret)) {
            throw new FsException(Errno.EACCES, address + " refused the connection: wrong cluster secret");
        }
        return Optional.of(type.cast(r.service));
    }
}
