package io.mnemo.core.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterSecretTest {
    @TempDir
    Path dir;

    @Test
    void loadOrCreate_missingFile_createsAnOwnerOnlyFileOfRandomHex() throws Exception {
        Path file = dir.resolve("conf/deeper/secret");

        ClusterSecret.loadOrCreate(file);

        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
        assertEquals(PosixFilePermissions.fromString("rw-------"), permissions);
        String text = Files.readString(file);
        assertTrue(text.matches("[0-9a-f]{64}\n"), "32 random bytes in hex, got: " + text);
    }

    @Test
    void loadOrCreate_thenLoad_givesASecretThatHandshakesWithTheFirst() throws Exception {
        Path file = dir.resolve("secret");

        ClusterSecret created = ClusterSecret.loadOrCreate(file);
        ClusterSecret loaded = ClusterSecret.load(file);

        assertHandshakes(created, loaded);
        assertHandshakes(loaded, created);
    }

    @Test
    void loadOrCreate_existingFile_keepsIt() throws Exception {
        Path file = dir.resolve("secret");
        ClusterSecret first = ClusterSecret.loadOrCreate(file);
        String text = Files.readString(file);

        ClusterSecret second = ClusterSecret.loadOrCreate(file);

        assertEquals(text, Files.readString(file));
        assertHandshakes(first, second);
    }

    @Test
    void loadOrCreate_twoFiles_giveDifferentSecrets() throws Exception {
        ClusterSecret a = ClusterSecret.loadOrCreate(dir.resolve("a"));
        ClusterSecret b = ClusterSecret.loadOrCreate(dir.resolve("b"));

        byte[] nonce = ClusterSecret.nonce();
        assertFalse(a.verify(nonce, b.mac(nonce)));
    }

    @Test
    void load_missingFile_failsWithEnoentNamingTheFile() {
        Path file = dir.resolve("nowhere");

        FsException e = assertThrows(FsException.class, () -> ClusterSecret.load(file));

        assertEquals(Errno.ENOENT, e.errno());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void load_emptyFile_failsWithEinvalSayingItIsEmpty() throws Exception {
        Path file = Files.writeString(dir.resolve("secret"), "");

        FsException e = assertThrows(FsException.class, () -> ClusterSecret.load(file));

        assertEquals(Errno.EINVAL, e.errno());
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
    }

    @Test
    void load_whitespaceOnlyFile_isEmpty() throws Exception {
        Path file = Files.writeString(dir.resolve("secret"), " \n\t\n");

        FsException e = assertThrows(FsException.class, () -> ClusterSecret.load(file));

        assertEquals(Errno.EINVAL, e.errno());
    }

    @Test
    void load_surroundingWhitespace_isIgnored() throws Exception {
        Path file = Files.writeString(dir.resolve("secret"), "  s3cret\n\n");

        assertHandshakes(ClusterSecret.of("s3cret"), ClusterSecret.load(file));
    }

    @Test
    void verify_differentSecretOrNonce_fails() {
        ClusterSecret secret = ClusterSecret.of("one");
        byte[] nonce = ClusterSecret.nonce();
        byte[] otherNonce = ClusterSecret.nonce();

        assertFalse(secret.verify(nonce, ClusterSecret.of("two").mac(nonce)));
        assertFalse(secret.verify(otherNonce, secret.mac(nonce)));
        assertFalse(secret.verify(nonce, new byte[0]));
    }

    @Test
    void nonce_isFreshEachTime() {
        assertEquals(32, ClusterSecret.nonce().length);
        assertFalse(java.util.Arrays.equals(ClusterSecret.nonce(), ClusterSecret.nonce()));
    }

    /** What the server checks: the client's MAC over the server's nonce. */
    private static void assertHandshakes(ClusterSecret server, ClusterSecret client) {
        byte[] nonce = ClusterSecret.nonce();
        assertTrue(server.verify(nonce, client.mac(nonce)));
    }
}
