package io.mnemo.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class FileTypeTest {

    @ParameterizedTest
    @CsvSource({
        "0100000, REGULAR", "0040000, DIRECTORY", "0120000, SYMLINK", "0010000, FIFO",
        "0020000, CHAR_DEVICE", "0060000, BLOCK_DEVICE", "0140000, SOCKET"})
    void fromMode_eachFormat_isItsType(String octalBits, FileType expected) {
        int bits = Integer.parseInt(octalBits, 8);

        assertEquals(expected, FileType.fromMode(bits));
        assertEquals(expected, FileType.fromMode(bits | 07777), "permission bits do not change the type");
        assertEquals(bits, expected.formatBits());
    }

    @ParameterizedTest
    @EnumSource(FileType.class)
    void fromMode_ofFormatBits_roundTrips(FileType type) {
        assertEquals(type, FileType.fromMode(type.formatBits() | 0644));
    }

    @Test
    void fromMode_withoutTypeBits_isRegular() {
        assertEquals(FileType.REGULAR, FileType.fromMode(0));
        assertEquals(FileType.REGULAR, FileType.fromMode(0644));
        assertEquals(FileType.REGULAR, FileType.fromMode(07777));
    }

    @Test
    void fromMode_unknownTypeBits_isRejected() {
        assertThrows(IllegalArgumentException.class, () -> FileType.fromMode(0030000));
        assertThrows(IllegalArgumentException.class, () -> FileType.fromMode(0170000));
    }
}
