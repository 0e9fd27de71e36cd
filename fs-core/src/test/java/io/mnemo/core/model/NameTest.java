package io.mnemo.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NameTest {

    @Test
    void of_empty_isEnoent() {
        assertErrno(Errno.ENOENT, () -> Name.of(""));
        assertErrno(Errno.ENOENT, () -> Name.of(new byte[0]));
    }

    @Test
    void of_255Bytes_isAccepted() throws Exception {
        Name name = Name.of("a".repeat(255));

        assertEquals(255, name.length());
    }

    @Test
    void of_256Bytes_isEnametoolong() {
        assertErrno(Errno.ENAMETOOLONG, () -> Name.of("a".repeat(256)));
    }

    @Test
    void of_limitCountsUtf8BytesNotCharacters() throws Exception {
        // 'é' is two bytes in UTF-8: 127 of them fit, 128 do not.
        assertEquals(254, Name.of("é".repeat(127)).length());
        assertErrno(Errno.ENAMETOOLONG, () -> Name.of("é".repeat(128)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a/b", "/", "trailing/", "a\0b", "\0"})
    void of_slashOrNul_isEinval(String bad) {
        assertErrno(Errno.EINVAL, () -> Name.of(bad));
    }

    @ParameterizedTest
    @ValueSource(strings = {".", ".."})
    void of_dotAndDotDot_areRefused(String dots) {
        assertErrno(Errno.EINVAL, () -> Name.of(dots));
    }

    @ParameterizedTest
    @ValueSource(strings = {"...", ".hidden", "..x", "a.", " ", "名前", "with space"})
    void of_ordinaryNames_areAccepted(String ok) throws Exception {
        assertEquals(ok, Name.of(ok).toString());
    }

    @Test
    void of_bytesThatAreNotUtf8_areKeptAsTheyAre() throws Exception {
        byte[] latin1 = {(byte) 0xE9, 't', (byte) 0xE9};

        assertArrayEquals(latin1, Name.of(latin1).bytes());
    }

    @Test
    void compareTo_ordersBytesUnsigned() throws Exception {
        Name z = Name.of("z");
        Name eAcute = Name.of("é"); // 0xC3 0xA9: negative as signed bytes, after 'z' unsigned
        Name high = Name.of(new byte[] {(byte) 0xFF});

        assertTrue(z.compareTo(eAcute) < 0);
        assertTrue(eAcute.compareTo(high) < 0);
        assertTrue(high.compareTo(z) > 0);
    }

    @Test
    void compareTo_prefixSortsFirst() throws Exception {
        List<Name> names = new ArrayList<>(List.of(Name.of("ab"), Name.of("b"), Name.of("a"), Name.of("aa")));

        Collections.sort(names);

        assertEquals(List.of(Name.of("a"), Name.of("aa"), Name.of("ab"), Name.of("b")), names);
    }

    @Test
    void equals_comparesBytes() throws Exception {
        assertEquals(Name.of("same"), Name.of("same".getBytes(StandardCharsets.UTF_8)));
        assertEquals(Name.of("same").hashCode(), Name.of("same").hashCode());
        assertNotEquals(Name.of("same"), Name.of("Same"));
        assertEquals(0, Name.of("same").compareTo(Name.of("same")));
    }

    @Test
    void bytes_cannotChangeTheName() throws Exception {
        byte[] source = "abc".getBytes(StandardCharsets.UTF_8);
        Name name = Name.of(source);

        source[0] = '/';
        name.bytes()[1] = 0;

        assertEquals("abc", name.toString());
    }

    private static void assertErrno(Errno expected, org.junit.jupiter.api.function.Executable call) {
        FsException e = assertThrows(FsException.class, call);
        assertEquals(expected, e.errno(), e.getMessage());
    }
}
