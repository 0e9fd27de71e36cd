package io.mnemo.core.proto;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.Attributes;
import io.mnemo.core.model.DirEntry;
import io.mnemo.core.model.FileType;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.model.Layout;
import io.mnemo.core.model.Name;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class ProtosTest {
    private static final long T0 = 1_700_000_000_123_456_789L;

    @Test
    void attributes_regularFileWithLayout_roundTrips() throws Exception {
        Layout layout = new Layout(Layout.DEFAULT_CHUNK_SIZE, 3, List.of(5, 6, 7));
        Attributes file = new Attributes(InodeId.of(2, 1234), FileType.REGULAR, 04755, 1000, 100, 2,
                10L << 30, T0, T0 + 1, T0 + 2, 0, layout, null);

        AttrMsg msg = Protos.toMsg(file);
        Attributes back = Protos.fromMsg(AttrMsg.parseFrom(msg.toByteArray()));

        assertEquals(file, back);
        assertEquals(0104755, back.statMode());
    }

    @Test
    void attributes_symlink_roundTripsWithTarget() throws Exception {
        Attributes link = new Attributes(InodeId.of(0, 77), FileType.SYMLINK, 0777, 0, 0, 1,
                11, T0, T0, T0, 0, null, "../target é");

        Attributes back = Protos.fromMsg(AttrMsg.parseFrom(Protos.toMsg(link).toByteArray()));

        assertEquals(link, back);
        assertEquals("../target é", back.symlinkTarget());
        assertNull(back.layout());
    }

    @Test
    void attributes_directory_hasNeitherLayoutNorTarget() throws Exception {
        Attributes dir = new Attributes(InodeId.ROOT, FileType.DIRECTORY, 01777, 0, 0, 3,
                4096, T0, T0, T0, 0, null, null);

        AttrMsg msg = Protos.toMsg(dir);
        Attributes back = Protos.fromMsg(msg);

        assertFalse(msg.hasLayout());
        assertEquals(dir, back);
    }

    @Test
    void attributes_deviceAndLargeIds_roundTrip() {
        // uid/gid above 2^31 travel as uint32 and come back as the same int bit pattern.
        Attributes device = new Attributes(InodeId.of(1, 9), FileType.CHAR_DEVICE, 0620, -2, -2, 1,
                0, -1, 0, Long.MAX_VALUE, (136 << 8) | 3, null, null);

        assertEquals(device, Protos.fromMsg(Protos.toMsg(device)));
    }

    @Test
    void attributes_modeWithTypeBits_keepsStatMode() {
        Attributes withTypeBits = new Attributes(InodeId.of(0, 5), FileType.REGULAR, 0100640, 1, 1, 1,
                0, T0, T0, T0, 0, new Layout(Layout.MIN_CHUNK_SIZE, 1, List.of(1)), null);

        Attributes back = Protos.fromMsg(Protos.toMsg(withTypeBits));

        // Only permission bits go on the wire; the type travels separately.
        assertEquals(0640, back.mode());
        assertEquals(withTypeBits.statMode(), back.statMode());
    }

    @Test
    void fromMsg_targetOnANonSymlink_isDropped() {
        AttrMsg msg = AttrMsg.newBuilder().setInode(3).setType(FileType.REGULAR.ordinal())
                .setSymlinkTarget("stray").build();

        assertNull(Protos.fromMsg(msg).symlinkTarget());
    }

    @Test
    void layout_roundTrips() {
        Layout layout = new Layout(Layout.MAX_CHUNK_SIZE, 2, List.of(0, 65535));

        assertEquals(layout, Protos.fromMsg(Protos.toMsg(layout)));
    }

    @Test
    void dirEntry_roundTrips() throws Exception {
        DirEntry entry = new DirEntry(Name.of(new byte[] {'x', (byte) 0xFF}), InodeId.of(4, 4), FileType.FIFO);

        assertEquals(entry, Protos.fromMsg(DirEntryMsg.parseFrom(Protos.toMsg(entry).toByteArray())));
    }

    @Test
    void dirEntry_invalidNameFromTheWire_isRefused() {
        DirEntryMsg msg = DirEntryMsg.newBuilder().setName(com.google.protobuf.ByteString.copyFromUtf8("a/b"))
                .setInode(2).build();

        FsException e = assertThrows(FsException.class, () -> Protos.fromMsg(msg));
        assertEquals(Errno.EINVAL, e.errno());
    }

    @Test
    void caller_roundTrips() {
        io.mnemo.core.model.Caller caller = new io.mnemo.core.model.Caller(1000, 100, List.of(4, 24, 27));

        assertEquals(caller, Protos.fromMsg(Protos.toMsg(caller)));
    }

    @Test
    void fileType_ordinalsAreTheWireFormat() {
        // AttrMsg.type carries the ordinal: reordering FileType would silently change every stored inode.
        assertEquals(List.of(FileType.REGULAR, FileType.DIRECTORY, FileType.SYMLINK, FileType.FIFO,
                FileType.CHAR_DEVICE, FileType.BLOCK_DEVICE, FileType.SOCKET), List.of(FileType.values()));
    }

    @ParameterizedTest
    @ValueSource(ints = {-1, 7, 1000})
    void fileType_unknownOrdinal_isRejected(int ordinal) {
        assertThrows(IllegalArgumentException.class, () -> Protos.fileType(ordinal));
    }

    @ParameterizedTest
    @CsvSource({"1, EPERM", "2, ENOENT", "5, EIO", "13, EACCES", "17, EEXIST", "22, EINVAL",
        "36, ENAMETOOLONG", "39, ENOTEMPTY", "71, EPROTO", "110, ETIMEDOUT", "111, ECONNREFUSED", "116, ESTALE"})
    void errnoFromCode_knownNumber_isThatErrno(int code, Errno expected) {
        assertEquals(expected, Errno.fromCode(code));
        assertEquals(code, expected.code());
    }

    @ParameterizedTest
    @EnumSource(Errno.class)
    void errnoFromCode_ofEveryCode_roundTrips(Errno errno) {
        assertEquals(errno, Errno.fromCode(errno.code()));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -2, 3, 999, Integer.MAX_VALUE})
    void errnoFromCode_unknownNumber_isEio(int code) {
        assertEquals(Errno.EIO, Errno.fromCode(code));
    }

    @Test
    void check_zero_passesAndNonZero_throwsThatErrno() {
        assertDoesNotThrow(() -> Protos.check(0, "fine"));

        FsException e = assertThrows(FsException.class, () -> Protos.check(Errno.ENOTEMPTY.code(), "dir not empty"));
        assertEquals(Errno.ENOTEMPTY, e.errno());
        assertEquals("dir not empty", e.reason());
        assertEquals("ENOTEMPTY: dir not empty", e.getMessage());
    }
}
