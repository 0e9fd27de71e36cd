package io.mnemo.core.net;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** The shared secret every connection proves knowledge of, by HMAC-SHA256 over a server nonce. */
public final class ClusterSecret {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final byte[] key;

    private ClusterSecret(byte[] key) {
        this.key = key;
    }

    public static ClusterSecret of(String text) {
        return new ClusterSecret(text.trim().getBytes(StandardCharsets.UTF_8));
    }

    /** Reads the secret file, creating it (mode 0600, 32 random bytes in hex) if it does not exist. */
    public static ClusterSecret loadOrCreate(Path file) throws IOException {
        if (!Files.exists(file)) {
            byte[] random = new byte[32];
            RANDOM.nextBytes(random);
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            // Written in full under a private name, then linked into place: no reader ever sees a
            // half-written file, and link(2) fails rather than replacing a secret someone else made.
            Path temp = Files.createTempFile(dir, ".secret-", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            try {
                Files.writeString(temp, HexFormat.of().formatHex(random) + "\n");
                Files.createLink(file, temp);
            } catch (FileAlreadyExistsException raced) {
                // Another process created it first; read theirs.
            } finally {
                Files.deleteIfExists(temp);
            }
        }
        return load(file);
    }

    public static ClusterSecret load(Path file) throws IOException {
        if (!Files.isReadable(file)) {
            throw new FsException(Errno.ENOENT, "cluster secret file " + file + " is missing or unreadable");
        }
        if (Files.isDirectory(file)) {
            throw new FsException(Errno.EISDIR, "cluster secret file " + file + " is a directory");
        }
        String text = Files.readString(file).trim();
        if (text.isEmpty()) {
            throw new FsException(Errno.EINVAL, "cluster secret file " + file + " is empty");
        }
        return of(text);
    }

    static byte[] nonce() {
        byte[] nonce = new byte[32];
        RANDOM.nextBytes(nonce);
        return nonce;
    }

    byte[] mac(byte[] nonce) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(nonce);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
        }
    }

    boolean verify(byte[] nonce, byte[] mac) {
        return MessageDigest.isEqual(mac(nonce), mac);
    }
}
