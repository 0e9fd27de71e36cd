package io.mnemo.meta.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.mnemo.core.model.Attributes;
import io.mnemo.core.model.FileType;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.model.Layout;
import io.mnemo.core.model.Name;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every codec: a round trip, and the exact bytes (changing them needs a new format version). */
class CodecsTest {
    private static final HexFormat HEX = HexFormat.of();

    private static <T> void golden(Codec<T> codec, T value, String hex) {
        byte[] bytes = codec.encode(value);
        assertEquals(hex, HEX.formatHex(bytes));
        assertEquals(value, codec.decode(bytes));
    }

    static final Attributes FILE = new Attributes(new InodeId(42), FileType.REGULAR, 0644, 1000, 100, 1, 5,
            1, 2, 3, 0, new Layout(1 << 20, 1, List.of(7)), null);
    static final Attributes DIR = new Attributes(new InodeId(2), FileType.DIRECTORY, 0755, 0, 0, 2, 0,
            10, 10, 10, 0, null, null);

    static final String FILE_ATTR = "082a" + "18a403" + "20e807" + "2864" + "3001" + "3805" + "4001" + "4802" + "5003"
            + "6209" + "08808040" + "1001" + "1a0107";
    static final String DIR_ATTR = "0802" + "1001" + "18ed03" + "3002" + "400a" + "480a" + "500a";

    @Test
    void inode_regularFile() {
        golden(Inode.CODEC, new Inode(FILE, null), "02" + "00" + "0000000000000000" + FILE_ATTR);
    }

    @Test
    void inode_inlineFile_hasFlagBit0() {
        golden(Inode.CODEC, new Inode(FILE, null, true), "02" + "01" + "0000000000000000" + FILE_ATTR);
    }

    @Test
    void inode_directoryWithParent() {
        golden(Inode.CODEC, new Inode(DIR, InodeId.ROOT), "02" + "00" + "0000000000000001" + DIR_ATTR);
    }

    @Test
    void inode_version1_isStillRead_asNotInline() {
        assertEquals(new Inode(FILE, null), Inode.CODEC.decode(HEX.parseHex("01" + "0000000000000000" + FILE_ATTR)));
        assertEquals(new Inode(DIR, InodeId.ROOT),
                Inode.CODEC.decode(HEX.parseHex("01" + "0000000000000001" + DIR_ATTR)));
    }

    @Test
    void inode_symlink_keepsItsTarget() {
        Attributes link = new Attributes(new InodeId(9), FileType.SYMLINK, 0777, 0, 0, 1, 3, 0, 0, 0, 0, null, "a/b");
        Inode decoded = Inode.CODEC.decode(Inode.CODEC.encode(new Inode(link, null)));
        assertEquals("a/b", decoded.attributes().symlinkTarget());
    }

    @Test
    void inode_rejectsUnknownVersion_andUnknownFlags() {
        byte[] bytes = Inode.CODEC.encode(new Inode(FILE, null));
        bytes[0] = 3;
        assertThrows(IllegalStateException.class, () -> Inode.CODEC.decode(bytes));
        byte[] flagged = Inode.CODEC.encode(new Inode(FILE, null));
        flagged[1] = 4;
        assertThrows(IllegalStateException.class, () -> Inode.CODEC.decode(flagged));
        assertThrows(IllegalStateException.class, () -> Inode.CODEC.decode(HEX.parseHex("02" + "00" + "0000")));
    }

    @Test
    void inode_onlyRegularFilesAreInline_andCopiesKeepTheFlag() {
        assertThrows(IllegalArgumentException.class, () -> new Inode(DIR, InodeId.ROOT, true));
        Inode inline = new Inode(FILE, null, true);
        assertTrue(inline.withSize(9).withMode(0600).withCtime(7).withNlink(0).inline());
        assertEquals(new Layout(1 << 16, 1, List.of(3)),
                inline.withLayout(new Layout(1 << 16, 1, List.of(3))).attributes().layout());
        assertTrue(inline.withLayout(new Layout(1 << 16, 1, List.of(3))).inline());
        assertEquals(new Inode(FILE, null), inline.withInline(false));
    }

    @Test
    void inode_linkableTmpfile_hasFlagBit1_untilItGetsALink() {
        Inode tmp = new Inode(new Inode(FILE, null).withNlink(0).attributes(), null, true, true);
        byte[] bytes = Inode.CODEC.encode(tmp);
        assertEquals(0b11, bytes[1]);
        assertEquals(tmp, Inode.CODEC.decode(bytes));
        assertTrue(tmp.withSize(5).withCtime(8).withInline(false).linkable());
        assertFalse(tmp.withNlink(1).linkable());
        assertThrows(IllegalArgumentException.class, () -> new Inode(FILE, null, false, true), "it has a link");
    }

    @Test
    void inode_requiresAParentExactlyForDirectories() {
        assertThrows(IllegalArgumentException.class, () -> new Inode(DIR, null));
        assertThrows(IllegalArgumentException.class, () -> new Inode(FILE, InodeId.ROOT));
    }

    @Test
    void dentryKey_isParentThenName_andSortsByParentFirst() throws Exception {
        golden(DentryKey.CODEC, new DentryKey(new InodeId(258), Name.of("ab")), "0000000000000102" + "6162");
        byte[] a = DentryKey.CODEC.encode(new DentryKey(new InodeId(1), Name.of("zzz")));
        byte[] b = DentryKey.CODEC.encode(new DentryKey(new InodeId(2), Name.of("a")));
        assertTrue(Arrays.compareUnsigned(a, b) < 0);
    }

    @Test
    void dentry() {
        golden(Dentry.CODEC, new Dentry(new InodeId(0x0102), FileType.DIRECTORY), "01" + "0000000000000102" + "01");
    }

    @Test
    void inodeKey_isBigEndian_soByteOrderIsNumericOrder() {
        golden(Keys.INODE, new InodeId(0x0102030405060708L), "0102030405060708");
        assertTrue(Arrays.compareUnsigned(Keys.INODE.encode(new InodeId(255)), Keys.INODE.encode(new InodeId(256))) < 0);
    }

    @Test
    void nodeAndChainRecords() {
        golden(NodeRecord.CODEC, new NodeRecord(3, "h", 9000), "01" + "0803" + "120168" + "18a846");
        golden(ChainRecord.CODEC, new ChainRecord(3, List.of(3, 4)), "01" + "0803" + "12020304");
    }

    @Test
    void sysCells() {
        golden(Applied.CODEC, new Applied(2, 300), "01" + "0000000000000002" + "000000000000012c");
        golden(Keys.U64_VALUE, 5L, "01" + "0000000000000005");
        golden(Keys.U32_VALUE, 5, "01" + "00000005");
        golden(Keys.U32, 258, "00000102");
    }

    @Test
    void xattrKey_isInodeThenName_andKeepsToItsInodesRange() {
        byte[] key = Keys.xattr(new InodeId(0x0102), "user.a".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertEquals("0000000000000102" + "757365722e61", HEX.formatHex(key));
        assertEquals("user.a", new String(Keys.xattrName(key), java.nio.charset.StandardCharsets.UTF_8));
        assertTrue(Arrays.compareUnsigned(Keys.xattrStart(new InodeId(0x0102)), key) < 0);
        assertTrue(Arrays.compareUnsigned(key, Keys.xattrEnd(new InodeId(0x0102))) < 0);
        assertThrows(IllegalStateException.class, () -> Keys.xattrName(new byte[8]));
    }

    @Test
    void inlineContents_areVersionedBytes_decodedAsAViewOfTheArray() {
        byte[] stored = Schema.INLINE.values().encode(ByteString.copyFromUtf8("hi"));
        assertEquals("01" + "6869", HEX.formatHex(stored));
        ByteString decoded = Schema.INLINE.values().decode(stored);
        assertEquals(ByteString.copyFromUtf8("hi"), decoded);
        stored[1] = 'H';
        assertEquals("Hi", decoded.toStringUtf8(), "a view, not a copy");
        assertThrows(IllegalStateException.class, () -> Schema.INLINE.values().decode(new byte[] {9, 'h'}));
    }

    @Test
    void orphanLayout() {
        golden(Schema.ORPHAN.values(), new Layout(1 << 16, 2, List.of(1, 2)), "01" + "0880800410021a020102");
    }

    @Test
    void justAfter_skipsExactlyTheEntry() throws Exception {
        byte[] key = DentryKey.CODEC.encode(new DentryKey(InodeId.ROOT, Name.of("a")));
        byte[] longer = DentryKey.CODEC.encode(new DentryKey(InodeId.ROOT, Name.of("a\u0001")));
        assertTrue(Arrays.compareUnsigned(Keys.justAfter(key), key) > 0);
        assertTrue(Arrays.compareUnsigned(Keys.justAfter(key), longer) <= 0);
        assertArrayEquals(Keys.dentryEnd(InodeId.ROOT), Keys.dentryStart(new InodeId(2)));
    }
}
