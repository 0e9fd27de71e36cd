package io.mnemo.tools.posix;

import static io.mnemo.tools.posix.PosixOps.F_OK;
import static io.mnemo.tools.posix.PosixOps.NOW;
import static io.mnemo.tools.posix.PosixOps.OMIT;
import static io.mnemo.tools.posix.PosixOps.O_APPEND;
import static io.mnemo.tools.posix.PosixOps.O_CREAT;
import static io.mnemo.tools.posix.PosixOps.O_EXCL;
import static io.mnemo.tools.posix.PosixOps.O_RDONLY;
import static io.mnemo.tools.posix.PosixOps.O_RDWR;
import static io.mnemo.tools.posix.PosixOps.O_TMPFILE;
import static io.mnemo.tools.posix.PosixOps.O_TRUNC;
import static io.mnemo.tools.posix.PosixOps.O_WRONLY;
import static io.mnemo.tools.posix.PosixOps.R_OK;
import static io.mnemo.tools.posix.PosixOps.W_OK;
import static io.mnemo.tools.posix.PosixOps.XATTR_CREATE;
import static io.mnemo.tools.posix.PosixOps.XATTR_REPLACE;
import static io.mnemo.tools.posix.PosixOps.X_OK;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.FileType;
import io.mnemo.tools.posix.PosixOps.FsStat;
import io.mnemo.tools.posix.PosixOps.Stat;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Mnemo's POSIX conformance suite: one behavioural test per rule, asserting what Linux (ext4)
 * does, errno included. It runs through {@link ClientConformanceIT} (MnemoClient) and
 * {@link MountConformanceIT} (a real FUSE mount). Each test works in a directory of its own,
 * named after it, in a file system shared by the class.
 */
abstract class PosixConformance {
    static final int CHUNK = 4 * 1024 * 1024;
    /** Users for the permission tests; each (uid, gid) always comes with the same groups. */
    static final int USER = 1000;
    static final int OTHER = 1001;
    static final int MEMBER = 1002;
    static final int STRANGER = 1003;
    /** A group MEMBER belongs to and the others do not. */
    static final int SHARED_GROUP = 2000;
    private static final Duration POLL_TIMEOUT = Duration.ofSeconds(30);

    /** The operations as root. */
    protected abstract PosixOps ops();

    /** The cluster's state directory (with {@code data-N/chunks}), to watch chunk collection. */
    protected abstract Path clusterDir();

    private String base;

    @BeforeEach
    void createTestDirectory(TestInfo info) throws Exception {
        base = "/" + info.getTestMethod().orElseThrow().getName();
        ops().mkdir(base, 0755);
    }

    @AfterEach
    void closeLeftDescriptors() {
        ops().closeAll();
    }

    /** A path in this test's directory. */
    String p(String name) {
        return base + "/" + name;
    }

    String base() {
        return base;
    }

    PosixOps user() {
        return ops().as(USER, USER);
    }

    PosixOps other() {
        return ops().as(OTHER, OTHER);
    }

    PosixOps member() {
        return ops().as(MEMBER, MEMBER, SHARED_GROUP);
    }

    PosixOps stranger() {
        return ops().as(STRANGER, STRANGER);
    }

    @FunctionalInterface
    interface Call {
        void run() throws Exception;
    }

    static void assertErrno(Errno expected, Call call) {
        try {
            call.run();
        } catch (FsException e) {
            if (e.errno() != expected) {
                fail("expected " + expected + " but got " + e.getMessage(), e);
            }
            return;
        } catch (Exception e) {
            fail("expected " + expected + " but got " + e, e);
        }
        fail("expected " + expected + " but the call succeeded");
    }

    void writeFile(PosixOps ops, String path, byte[] data) throws FsException {
        int fd = ops.open(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);
        try {
            ops.pwrite(fd, 0, data);
        } finally {
            ops.close(fd);
        }
    }

    void writeFile(String path, byte[] data) throws FsException {
        writeFile(ops(), path, data);
    }

    void writeFile(String path, String text) throws FsException {
        writeFile(path, text.getBytes(StandardCharsets.UTF_8));
    }

    byte[] readFile(PosixOps ops, String path) throws FsException {
        int fd = ops.open(path, O_RDONLY, 0);
        try {
            return ops.pread(fd, 0, (int) ops.fstat(fd).size());
        } finally {
            ops.close(fd);
        }
    }

    byte[] readFile(String path) throws FsException {
        return readFile(ops(), path);
    }

    String readText(String path) throws FsException {
        return new String(readFile(path), StandardCharsets.UTF_8);
    }

    static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    // ================================================================== open, read, write

    @Test
    void open_creatExcl_onExistingFile_failsWithEexist() throws Exception {
        writeFile(p("f"), "keep");
        assertErrno(Errno.EEXIST, () -> ops().open(p("f"), O_CREAT | O_EXCL | O_WRONLY, 0644));
        ops().mkdir(p("d"), 0755);
        assertErrno(Errno.EEXIST, () -> ops().open(p("d"), O_CREAT | O_EXCL | O_WRONLY, 0644));
        assertEquals("keep", readText(p("f")));
    }

    @Test
    void open_creat_onExistingFile_opensItWithoutTruncating() throws Exception {
        writeFile(p("f"), "keep");
        long ino = ops().stat(p("f")).ino();
        int fd = ops().open(p("f"), O_CREAT | O_RDWR, 0600);
        assertEquals(ino, ops().fstat(fd).ino());
        assertArrayEquals(utf8("keep"), ops().pread(fd, 0, 100));
        ops().close(fd);
        assertEquals(0644, ops().stat(p("f")).mode(), "the mode of O_CREAT applies only to a new file");
    }

    @Test
    void open_creat_createsAnEmptyFileWithTheRequestedMode() throws Exception {
        int fd = ops().open(p("f"), O_CREAT | O_EXCL | O_WRONLY, 0640);
        ops().close(fd);
        Stat s = ops().stat(p("f"));
        assertEquals(FileType.REGULAR, s.type());
        assertEquals(0640, s.mode());
        assertEquals(0, s.size());
        assertEquals(1, s.nlink());
        assertEquals(0, s.uid());
        assertEquals(List.of("f"), ops().readdir(base()));
    }

    @Test
    void open_missingFileWithoutCreat_failsWithEnoent() {
        assertErrno(Errno.ENOENT, () -> ops().open(p("missing"), O_RDONLY, 0));
        assertErrno(Errno.ENOENT, () -> ops().open(p("missing"), O_RDWR, 0));
    }

    @Test
    void open_creatInMissingDirectory_failsWithEnoent() {
        assertErrno(Errno.ENOENT, () -> ops().open(p("missing/f"), O_CREAT | O_WRONLY, 0644));
    }

    @Test
    void open_throughAFileAsDirectory_failsWithEnotdir() throws Exception {
        writeFile(p("f"), "x");
        assertErrno(Errno.ENOTDIR, () -> ops().open(p("f/g"), O_CREAT | O_WRONLY, 0644));
        assertErrno(Errno.ENOTDIR, () -> ops().stat(p("f/g")));
    }

    @Test
    void open_directoryForWriting_failsWithEisdir() throws Exception {
        ops().mkdir(p("d"), 0755);
        assertErrno(Errno.EISDIR, () -> ops().open(p("d"), O_WRONLY, 0));
        assertErrno(Errno.EISDIR, () -> ops().open(p("d"), O_RDWR, 0));
    }

    @Test
    void open_trunc_emptiesTheFile_andChangesMtimeAndCtime() throws Exception {
        writeFile(p("f"), random(CHUNK + 10, 1));
        Stat before = ops().stat(p("f"));
        int fd = ops().open(p("f"), O_WRONLY | O_TRUNC, 0);
        assertEquals(0, ops().fstat(fd).size());
        ops().close(fd);
        Stat after = ops().stat(p("f"));
        assertEquals(0, after.size());
        assertEquals(before.ino(), after.ino());
        assertTrue(after.mtimeNanos() > before.mtimeNanos(), "mtime");
        assertTrue(after.ctimeNanos() > before.ctimeNanos(), "ctime");
        assertArrayEquals(new byte[0], readFile(p("f")));
    }

    @Test
    void write_withAppend_landsAtTheEndWhateverTheOffset() throws Exception {
        writeFile(p("f"), "0123456789");
        int fd = ops().open(p("f"), O_WRONLY | O_APPEND, 0);
        ops().write(fd, utf8("ab"));
        ops().pwrite(fd, 0, utf8("cd")); // Linux: pwrite on an O_APPEND descriptor appends too
        ops().close(fd);
        assertEquals("0123456789abcd", readText(p("f")));
    }

    @Test
    void write_withAppend_throughTwoHandles_everyWriteLandsAtTheEnd() throws Exception {
        writeFile(p("f"), "start:");
        int a = ops().open(p("f"), O_WRONLY | O_APPEND, 0);
        int b = ops().open(p("f"), O_WRONLY | O_APPEND, 0);
        StringBuilder expected = new StringBuilder("start:");
        for (int i = 0; i < 20; i++) {
            String s = (i % 2 == 0 ? "a" : "bb") + i + ";";
            ops().write(i % 2 == 0 ? a : b, utf8(s));
            expected.append(s);
        }
        ops().close(a);
        ops().close(b);
        assertEquals(expected.toString(), readText(p("f")));
    }

    @Test
    void write_withAppend_acrossTheChunkBoundary() throws Exception {
        byte[] first = random(CHUNK - 100, 2);
        writeFile(p("f"), first);
        byte[] more = random(300, 3);
        int fd = ops().open(p("f"), O_WRONLY | O_APPEND, 0);
        ops().write(fd, more);
        ops().close(fd);
        byte[] expected = Arrays.copyOf(first, first.length + more.length);
        System.arraycopy(more, 0, expected, first.length, more.length);
        assertArrayEquals(expected, readFile(p("f")));
    }

    @Test
    void write_onReadOnlyHandle_failsWithEbadf() throws Exception {
        writeFile(p("f"), "abc");
        int fd = ops().open(p("f"), O_RDONLY, 0);
        try {
            assertErrno(Errno.EBADF, () -> ops().pwrite(fd, 0, utf8("x")));
            assertErrno(Errno.EBADF, () -> ops().write(fd, utf8("x")));
        } finally {
            ops().close(fd);
        }
        assertEquals("abc", readText(p("f")));
    }

    @Test
    void read_onWriteOnlyHandle_failsWithEbadf() throws Exception {
        writeFile(p("f"), "abc");
        int fd = ops().open(p("f"), O_WRONLY, 0);
        try {
            assertErrno(Errno.EBADF, () -> ops().pread(fd, 0, 3));
        } finally {
            ops().close(fd);
        }
    }

    @Test
    void writeAndRead_atOffsetsAcrossTheChunkBoundary_holesReadAsZeros() throws Exception {
        int fd = ops().open(p("f"), O_CREAT | O_RDWR, 0644);
        byte[] a = random(1000, 4);
        byte[] b = random(200_000, 5);
        ops().pwrite(fd, CHUNK - 500, a);
        ops().pwrite(fd, 2L * CHUNK - 100_000, b);
        assertArrayEquals(a, ops().pread(fd, CHUNK - 500, a.length), "through the writing handle");
        ops().close(fd);
        byte[] all = readFile(p("f"));
        assertEquals(2L * CHUNK + 100_000, all.length);
        assertArrayEquals(new byte[CHUNK - 500], Arrays.copyOf(all, CHUNK - 500));
        assertArrayEquals(a, Arrays.copyOfRange(all, CHUNK - 500, CHUNK + 500));
        assertArrayEquals(new byte[CHUNK - 100_500], Arrays.copyOfRange(all, CHUNK + 500, 2 * CHUNK - 100_000));
        assertArrayEquals(b, Arrays.copyOfRange(all, 2 * CHUNK - 100_000, all.length));
    }

    @Test
    void read_atAndPastTheEnd_returnsWhatIsThere() throws Exception {
        writeFile(p("f"), "0123456789");
        int fd = ops().open(p("f"), O_RDONLY, 0);
        assertArrayEquals(utf8("89"), ops().pread(fd, 8, 100));
        assertArrayEquals(new byte[0], ops().pread(fd, 10, 100));
        assertArrayEquals(new byte[0], ops().pread(fd, 1_000_000, 100));
        ops().close(fd);
    }

    // ================================================================== mkdir, rmdir, unlink

    @Test
    void mkdir_existingName_failsWithEexist() throws Exception {
        ops().mkdir(p("d"), 0755);
        writeFile(p("f"), "x");
        assertErrno(Errno.EEXIST, () -> ops().mkdir(p("d"), 0755));
        assertErrno(Errno.EEXIST, () -> ops().mkdir(p("f"), 0755));
        ops().symlink("nowhere", p("dangling"));
        assertErrno(Errno.EEXIST, () -> ops().mkdir(p("dangling"), 0755));
    }

    @Test
    void mkdir_inMissingParent_failsWithEnoent() {
        assertErrno(Errno.ENOENT, () -> ops().mkdir(p("missing/d"), 0755));
    }

    @Test
    void mkdir_underAFile_failsWithEnotdir() throws Exception {
        writeFile(p("f"), "x");
        assertErrno(Errno.ENOTDIR, () -> ops().mkdir(p("f/d"), 0755));
    }

    @Test
    void mkdir_createsAnEmptyDirectoryWithTheRequestedMode() throws Exception {
        ops().mkdir(p("d"), 0750);
        Stat s = ops().stat(p("d"));
        assertEquals(FileType.DIRECTORY, s.type());
        assertEquals(0750, s.mode());
        assertEquals(2, s.nlink());
        assertEquals(List.of(), ops().readdir(p("d")));
    }

    @Test
    void mkdir_addsALinkToTheParent_andRmdirTakesItAway() throws Exception {
        assertEquals(2, ops().stat(base()).nlink());
        ops().mkdir(p("a"), 0755);
        ops().mkdir(p("b"), 0755);
        writeFile(p("f"), "files do not count");
        assertEquals(4, ops().stat(base()).nlink());
        ops().rmdir(p("a"));
        assertEquals(3, ops().stat(base()).nlink());
    }

    @Test
    void rmdir_nonEmptyDirectory_failsWithEnotempty() throws Exception {
        ops().mkdir(p("d"), 0755);
        writeFile(p("d/f"), "x");
        assertErrno(Errno.ENOTEMPTY, () -> ops().rmdir(p("d")));
        ops().unlink(p("d/f"));
        ops().mkdir(p("d/sub"), 0755);
        assertErrno(Errno.ENOTEMPTY, () -> ops().rmdir(p("d")));
        ops().rmdir(p("d/sub"));
        ops().rmdir(p("d"));
        assertErrno(Errno.ENOENT, () -> ops().stat(p("d")));
    }

    @Test
    void rmdir_ofAFile_failsWithEnotdir() throws Exception {
        writeFile(p("f"), "x");
        assertErrno(Errno.ENOTDIR, () -> ops().rmdir(p("f")));
        ops().symlink(".", p("link-to-dir"));
        assertErrno(Errno.ENOTDIR, () -> ops().rmdir(p("link-to-dir")));
    }

    @Test
    void rmdir_missing_failsWithEnoent() {
        assertErrno(Errno.ENOENT, () -> ops().rmdir(p("missing")));
    }

    @Test
    void unlink_ofADirectory_failsWithEisdir() throws Exception {
        ops().mkdir(p("d"), 0755);
        assertErrno(Errno.EISDIR, () -> ops().unlink(p("d")));
        assertEquals(FileType.DIRECTORY, ops().stat(p("d")).type());
    }

    @Test
    void unlink_missing_failsWithEnoent() {
        assertErrno(Errno.ENOENT, () -> ops().unlink(p("missing")));
    }

    @Test
    void unlink_ofASymlink_removesTheLinkNotTheTarget() throws Exception {
        writeFile(p("f"), "target");
        ops().symlink("f", p("l"));
        ops().unlink(p("l"));
        assertErrno(Errno.ENOENT, () -> ops().lstat(p("l")));
        assertEquals("target", readText(p("f")));
    }

    // ================================================================== rename

    @Test
    void rename_overAnExistingFile_replacesIt() throws Exception {
        writeFile(p("a"), "from a");
        writeFile(p("b"), "old b");
        long ino = ops().stat(p("a")).ino();
        ops().rename(p("a"), p("b"));
        assertErrno(Errno.ENOENT, () -> ops().stat(p("a")));
        Stat b = ops().stat(p("b"));
        assertEquals(ino, b.ino());
        assertEquals(1, b.nlink());
        assertEquals("from a", readText(p("b")));
        assertEquals(List.of("b"), ops().readdir(base()));
    }

    @Test
    void rename_overAHardLinkedFile_dropsOneOfItsLinks() throws Exception {
        writeFile(p("a"), "a");
        writeFile(p("b"), "b");
        ops().link(p("b"), p("b2"));
        ops().rename(p("a"), p("b"));
        assertEquals(1, ops().stat(p("b2")).nlink());
        assertEquals("b", readText(p("b2")));
    }

    @Test
    void rename_directoryOverAnEmptyDirectory_replacesIt() throws Exception {
        ops().mkdir(p("a"), 0755);
        writeFile(p("a/inside"), "x");
        ops().mkdir(p("b"), 0755);
        long ino = ops().stat(p("a")).ino();
        assertEquals(4, ops().stat(base()).nlink());
        ops().rename(p("a"), p("b"));
        assertEquals(ino, ops().stat(p("b")).ino());
        assertEquals("x", readText(p("b/inside")));
        assertEquals(3, ops().stat(base()).nlink(), "one subdirectory is left");
        assertEquals(List.of("b"), ops().readdir(base()));
    }

    @Test
    void rename_directoryOverANonEmptyDirectory_failsWithEnotempty() throws Exception {
        ops().mkdir(p("a"), 0755);
        ops().mkdir(p("b"), 0755);
        writeFile(p("b/f"), "x");
        assertErrno(Errno.ENOTEMPTY, () -> ops().rename(p("a"), p("b")));
        assertEquals("x", readText(p("b/f")));
        assertEquals(FileType.DIRECTORY, ops().stat(p("a")).type());
    }

    @Test
    void rename_directoryOverAFile_failsWithEnotdir() throws Exception {
        ops().mkdir(p("d"), 0755);
        writeFile(p("f"), "x");
        assertErrno(Errno.ENOTDIR, () -> ops().rename(p("d"), p("f")));
        assertEquals("x", readText(p("f")));
    }

    @Test
    void rename_fileOverADirectory_failsWithEisdir() throws Exception {
        ops().mkdir(p("d"), 0755);
        writeFile(p("f"), "x");
        assertErrno(Errno.EISDIR, () -> ops().rename(p("f"), p("d")));
        assertEquals(FileType.DIRECTORY, ops().stat(p("d")).type());
    }

    @Test
    void rename_directoryIntoItsOwnSubtree_failsWithEinval() throws Exception {
        ops().mkdir(p("d"), 0755);
        ops().mkdir(p("d/sub"), 0755);
        assertErrno(Errno.EINVAL, () -> ops().rename(p("d"), p("d/sub/moved")));
        assertErrno(Errno.EINVAL, () -> ops().rename(p("d"), p("d/moved")));
        assertEquals(List.of("sub"), ops().readdir(p("d")));
    }

    @Test
    void rename_missingSource_failsWithEnoent() {
        assertErrno(Errno.ENOENT, () -> ops().rename(p("missing"), p("b")));
    }

    @Test
    void rename_ontoItself_succeedsAndChangesNothing() throws Exception {
        writeFile(p("f"), "same");
        Stat before = ops().stat(p("f"));
        Stat dirBefore = ops().stat(base());
        ops().rename(p("f"), p("f"));
        assertEquals(before, ops().stat(p("f")));
        assertEquals(dirBefore, ops().stat(base()));
        assertEquals("same", readText(p("f")));
    }

    @Test
    void rename_ontoAHardLinkOfItself_succeedsAndChangesNothing() throws Exception {
        writeFile(p("f"), "same");
        ops().link(p("f"), p("g"));
        Stat before = ops().stat(p("f"));
        assertEquals(2, before.nlink());
        ops().rename(p("f"), p("g"));
        Stat f = ops().stat(p("f"));
        Stat g = ops().stat(p("g"));
        assertEquals(before, f, "both names stay, nlink and ctime unchanged");
        assertEquals(before, g);
        assertEquals(List.of("f", "g"), sorted(ops().readdir(base())));
    }

    @Test
    void rename_directoryBetweenParents_movesTheParentLink() throws Exception {
        ops().mkdir(p("src"), 0755);
        ops().mkdir(p("dst"), 0755);
        ops().mkdir(p("src/d"), 0755);
        writeFile(p("src/d/f"), "x");
        assertEquals(3, ops().stat(p("src")).nlink());
        ops().rename(p("src/d"), p("dst/d"));
        assertEquals(2, ops().stat(p("src")).nlink());
        assertEquals(3, ops().stat(p("dst")).nlink());
        assertEquals("x", readText(p("dst/d/f")));
        assertEquals(ops().stat(p("dst")).ino(), ops().stat(p("dst/d/..")).ino(), "'..' follows the move");
    }

    @Test
    void rename_changesBothParentsTimes_andTheMovedInodesCtime() throws Exception {
        ops().mkdir(p("src"), 0755);
        ops().mkdir(p("dst"), 0755);
        writeFile(p("src/f"), "x");
        Stat src = ops().stat(p("src"));
        Stat dst = ops().stat(p("dst"));
        Stat f = ops().stat(p("src/f"));
        ops().rename(p("src/f"), p("dst/g"));
        assertNewer(src, ops().stat(p("src")), true, true);
        assertNewer(dst, ops().stat(p("dst")), true, true);
        Stat moved = ops().stat(p("dst/g"));
        assertEquals(f.mtimeNanos(), moved.mtimeNanos(), "a rename does not modify the file");
        assertTrue(moved.ctimeNanos() > f.ctimeNanos(), "the moved inode's ctime changes (as on ext4)");
    }

    // ================================================================== link

    @Test
    void link_threeNames_countLinks_andTheFileLivesUntilTheLastIsGone() throws Exception {
        writeFile(p("a"), "shared");
        ops().mkdir(p("d"), 0755);
        ops().link(p("a"), p("b"));
        ops().link(p("b"), p("d/c"));
        long ino = ops().stat(p("a")).ino();
        for (String name : List.of("a", "b", "d/c")) {
            Stat s = ops().stat(p(name));
            assertEquals(ino, s.ino(), name);
            assertEquals(3, s.nlink(), name);
        }
        ops().unlink(p("a"));
        assertEquals(2, ops().stat(p("b")).nlink());
        ops().unlink(p("d/c"));
        assertEquals(1, ops().stat(p("b")).nlink());
        assertEquals("shared", readText(p("b")));
        writeFile(p("b"), "changed through b");
        ops().unlink(p("b"));
        assertErrno(Errno.ENOENT, () -> ops().stat(p("b")));
        assertEquals(List.of(), ops().readdir(base()).stream().filter(n -> !n.equals("d")).toList());
    }

    @Test
    void link_writesThroughOneName_areReadThroughAnother_whileBothAreOpen() throws Exception {
        writeFile(p("a"), "0123456789");
        ops().link(p("a"), p("b"));
        int a = ops().open(p("a"), O_RDWR, 0);
        int b = ops().open(p("b"), O_RDONLY, 0);
        assertArrayEquals(utf8("0123456789"), ops().pread(b, 0, 10));
        ops().pwrite(a, 2, utf8("xy"));
        ops().pwrite(a, 10, utf8("tail"));
        assertArrayEquals(utf8("01xy456789tail"), ops().pread(b, 0, 100), "one inode, one page cache");
        assertEquals(14, ops().fstat(b).size());
        ops().close(a);
        ops().close(b);
        assertEquals(14, ops().stat(p("b")).size());
    }

    @Test
    void link_changesTheInodesCtimeAndTheDirectorysTimes() throws Exception {
        writeFile(p("a"), "x");
        Stat file = ops().stat(p("a"));
        Stat dir = ops().stat(base());
        ops().link(p("a"), p("b"));
        Stat after = ops().stat(p("a"));
        assertEquals(file.mtimeNanos(), after.mtimeNanos());
        assertTrue(after.ctimeNanos() > file.ctimeNanos(), "ctime");
        assertNewer(dir, ops().stat(base()), true, true);
    }

    @Test
    void link_ofADirectory_failsWithEperm() throws Exception {
        ops().mkdir(p("d"), 0755);
        assertErrno(Errno.EPERM, () -> ops().link(p("d"), p("d2")));
    }

    @Test
    void link_ontoAnExistingName_failsWithEexist() throws Exception {
        writeFile(p("a"), "a");
        writeFile(p("b"), "b");
        assertErrno(Errno.EEXIST, () -> ops().link(p("a"), p("b")));
        assertEquals(1, ops().stat(p("a")).nlink());
    }

    @Test
    void link_missingSource_failsWithEnoent() {
        assertErrno(Errno.ENOENT, () -> ops().link(p("missing"), p("b")));
    }

    // ================================================================== symlink, readlink

    @Test
    void symlink_with4095ByteTarget_readsBackExactly() throws Exception {
        StringBuilder target = new StringBuilder();
        while (target.length() < 4095) {
            target.append("abcdefgh/".substring(0, Math.min(9, 4095 - target.length())));
        }
        ops().symlink(target.toString(), p("long"));
        assertEquals(target.toString(), ops().readlink(p("long")));
        Stat s = ops().lstat(p("long"));
        assertEquals(FileType.SYMLINK, s.type());
        assertEquals(4095, s.size());
    }

    @Test
    void symlink_with4096ByteTarget_failsWithEnametoolong() {
        assertErrno(Errno.ENAMETOOLONG, () -> ops().symlink("x".repeat(4096), p("toolong")));
        assertErrno(Errno.ENOENT, () -> ops().lstat(p("toolong")));
    }

    @Test
    void symlink_isFollowedByStat_andNotByLstat() throws Exception {
        writeFile(p("f"), "0123456789");
        ops().symlink("f", p("l"));
        Stat target = ops().stat(p("f"));
        assertEquals(target, ops().stat(p("l")));
        Stat link = ops().lstat(p("l"));
        assertEquals(FileType.SYMLINK, link.type());
        assertEquals(1, link.size(), "a symlink's size is its target's length");
        assertNotEquals(target.ino(), link.ino());
        assertEquals("0123456789", readText(p("l")));
        ops().mkdir(p("d"), 0755);
        writeFile(p("d/inside"), "in");
        ops().symlink("d", p("dl"));
        assertEquals("in", readText(p("dl/inside")));
    }

    @Test
    void symlink_dangling_statFailsWithEnoent_lstatWorks() throws Exception {
        ops().symlink("nowhere", p("l"));
        assertErrno(Errno.ENOENT, () -> ops().stat(p("l")));
        assertEquals(FileType.SYMLINK, ops().lstat(p("l")).type());
        assertEquals("nowhere", ops().readlink(p("l")));
    }

    @Test
    void symlink_ontoAnExistingName_failsWithEexist() throws Exception {
        writeFile(p("f"), "x");
        assertErrno(Errno.EEXIST, () -> ops().symlink("anything", p("f")));
        assertEquals("x", readText(p("f")));
    }

    @Test
    void readlink_ofARegularFile_failsWithEinval() throws Exception {
        writeFile(p("f"), "x");
        assertErrno(Errno.EINVAL, () -> ops().readlink(p("f")));
        assertErrno(Errno.EINVAL, () -> ops().readlink(base()));
    }

    // ================================================================== names

    @Test
    void names_of255Bytes_work() throws Exception {
        String ascii = "a".repeat(255);
        String utf8 = "é".repeat(127) + "z"; // 255 bytes, 128 characters
        assertEquals(255, utf8(utf8).length);
        writeFile(p(ascii), "ascii");
        ops().mkdir(p(utf8), 0755);
        writeFile(p(utf8 + "/" + ascii), "nested");
        assertEquals("ascii", readText(p(ascii)));
        assertEquals("nested", readText(p(utf8 + "/" + ascii)));
        assertEquals(Set.of(ascii, utf8), Set.copyOf(ops().readdir(base())));
        ops().rename(p(ascii), p(utf8 + "/" + "b".repeat(255)));
        ops().symlink(ascii, p("c".repeat(255)));
        assertEquals(ascii, ops().readlink(p("c".repeat(255))));
    }

    @Test
    void names_of256Bytes_failWithEnametoolong() throws Exception {
        String name = "a".repeat(256);
        String utf8 = "é".repeat(128); // 128 characters, 256 bytes
        writeFile(p("f"), "x");
        assertErrno(Errno.ENAMETOOLONG, () -> ops().open(p(name), O_CREAT | O_WRONLY, 0644));
        assertErrno(Errno.ENAMETOOLONG, () -> ops().open(p(utf8), O_CREAT | O_WRONLY, 0644));
        assertErrno(Errno.ENAMETOOLONG, () -> ops().mkdir(p(name), 0755));
        assertErrno(Errno.ENAMETOOLONG, () -> ops().stat(p(name)));
        assertErrno(Errno.ENAMETOOLONG, () -> ops().symlink("f", p(name)));
        assertErrno(Errno.ENAMETOOLONG, () -> ops().link(p("f"), p(name)));
        assertErrno(Errno.ENAMETOOLONG, () -> ops().rename(p("f"), p(name)));
        assertEquals(List.of("f"), ops().readdir(base()));
    }

    // ================================================================== chmod, chown

    @Test
    void chmod_setsThePermissionBits_withSetuidSetgidAndSticky() throws Exception {
        writeFile(p("f"), "x");
        for (int mode : new int[] {0, 0600, 0755, 04755, 02750, 01777, 07777}) {
            ops().chmod(p("f"), mode);
            assertEquals(mode, ops().stat(p("f")).mode(), Integer.toOctalString(mode));
        }
        ops().mkdir(p("d"), 0755);
        ops().chmod(p("d"), 01777);
        assertEquals(01777, ops().stat(p("d")).mode());
    }

    @Test
    void chmod_throughASymlink_changesTheTarget() throws Exception {
        writeFile(p("f"), "x");
        ops().symlink("f", p("l"));
        ops().chmod(p("l"), 0600);
        assertEquals(0600, ops().stat(p("f")).mode());
        assertEquals(0777, ops().lstat(p("l")).mode());
    }

    @Test
    void chmod_changesCtimeOnly() throws Exception {
        writeFile(p("f"), "x");
        Stat before = ops().stat(p("f"));
        ops().chmod(p("f"), 0600);
        Stat after = ops().stat(p("f"));
        assertEquals(before.mtimeNanos(), after.mtimeNanos(), "mtime");
        assertEquals(before.atimeNanos(), after.atimeNanos(), "atime");
        assertTrue(after.ctimeNanos() > before.ctimeNanos(), "ctime");
    }

    @Test
    void chown_setsOwnerAndGroup_andMinusOneLeavesThemAlone() throws Exception {
        writeFile(p("f"), "x");
        ops().chown(p("f"), USER, SHARED_GROUP);
        Stat s = ops().stat(p("f"));
        assertEquals(USER, s.uid());
        assertEquals(SHARED_GROUP, s.gid());
        ops().chown(p("f"), OTHER, -1);
        s = ops().stat(p("f"));
        assertEquals(OTHER, s.uid());
        assertEquals(SHARED_GROUP, s.gid());
        ops().chown(p("f"), -1, USER);
        s = ops().stat(p("f"));
        assertEquals(OTHER, s.uid());
        assertEquals(USER, s.gid());
    }

    @Test
    void chown_clearsSetuidAndSetgid() throws Exception {
        writeFile(p("f"), "x");
        ops().chmod(p("f"), 06755);
        Stat before = ops().stat(p("f"));
        ops().chown(p("f"), USER, USER);
        Stat after = ops().stat(p("f"));
        assertEquals(0755, after.mode(), "chown of a regular file clears S_ISUID, and S_ISGID with group-execute");
        assertTrue(after.ctimeNanos() > before.ctimeNanos(), "ctime");
        assertEquals(before.mtimeNanos(), after.mtimeNanos(), "mtime");
    }

    @Test
    void write_byANonRootUser_clearsSetuidAndSetgid_evenWithoutGrowingTheFile() throws Exception {
        writeFile(p("f"), "0123456789");
        ops().chmod(p("f"), 06777);
        int fd = other().open(p("f"), O_WRONLY, 0);
        other().pwrite(fd, 2, utf8("x"));
        assertEquals(0777, other().fstat(fd).mode(), "gone at the write, before the close");
        other().close(fd);
        assertEquals(0777, ops().stat(p("f")).mode(), "a write without CAP_FSETID clears S_ISUID, and S_ISGID with group-execute");
        assertArrayEquals(utf8("01x3456789"), readFile(p("f")));
    }

    @Test
    void lchown_changesTheSymlinkNotItsTarget() throws Exception {
        writeFile(p("f"), "x");
        ops().symlink("f", p("l"));
        ops().lchown(p("l"), USER, USER);
        assertEquals(USER, ops().lstat(p("l")).uid());
        assertEquals(0, ops().stat(p("f")).uid());
        ops().chown(p("l"), OTHER, OTHER);
        assertEquals(OTHER, ops().stat(p("f")).uid());
        assertEquals(USER, ops().lstat(p("l")).uid());
    }

    // ================================================================== truncate

    @Test
    void truncate_shrinksAndGrows_acrossTheChunkBoundary() throws Exception {
        byte[] data = random(CHUNK + 1000, 6);
        writeFile(p("f"), data);
        ops().truncate(p("f"), CHUNK - 10);
        assertEquals(CHUNK - 10, ops().stat(p("f")).size());
        ops().truncate(p("f"), 2L * CHUNK + 5);
        byte[] back = readFile(p("f"));
        assertEquals(2 * CHUNK + 5, back.length);
        assertArrayEquals(Arrays.copyOf(data, CHUNK - 10), Arrays.copyOf(back, CHUNK - 10));
        assertArrayEquals(new byte[CHUNK + 15], Arrays.copyOfRange(back, CHUNK - 10, back.length),
                "growing exposes zeros, not the bytes cut before");
        ops().truncate(p("f"), 0);
        assertEquals(0, ops().stat(p("f")).size());
        assertArrayEquals(new byte[0], readFile(p("f")));
    }

    @Test
    void ftruncate_throughAnOpenHandle_acrossTheChunkBoundary() throws Exception {
        int fd = ops().open(p("f"), O_CREAT | O_RDWR, 0644);
        byte[] data = random(CHUNK + 4096, 7);
        ops().pwrite(fd, 0, data);
        ops().ftruncate(fd, CHUNK + 1);
        assertEquals(CHUNK + 1, ops().fstat(fd).size());
        assertArrayEquals(Arrays.copyOf(data, CHUNK + 1), ops().pread(fd, 0, CHUNK + 4096));
        ops().ftruncate(fd, CHUNK + 100);
        assertArrayEquals(new byte[99], ops().pread(fd, CHUNK + 1, 99));
        ops().pwrite(fd, CHUNK + 50, utf8("z"));
        ops().close(fd);
        byte[] back = readFile(p("f"));
        assertEquals(CHUNK + 100, back.length);
        assertEquals('z', back[CHUNK + 50]);
        assertEquals(0, back[CHUNK + 49]);
    }

    @Test
    void ftruncate_needsNoWritePermission_onlyADescriptorOpenForWriting() throws Exception {
        ops().chmod(base(), 0777);
        int fd = user().open(p("f"), O_CREAT | O_RDWR, 0); // the creator may write it whatever its mode
        user().ftruncate(fd, 100);
        assertEquals(100, user().fstat(fd).size());
        user().close(fd);
        assertErrno(Errno.EACCES, () -> user().truncate(p("f"), 0));
        int readOnly = ops().open(p("f"), O_RDONLY, 0);
        assertErrno(Errno.EINVAL, () -> ops().ftruncate(readOnly, 0));
        ops().close(readOnly);
    }

    // ================================================================== fallocate
    static final int FALLOC_FL_KEEP_SIZE = 0x01;
    static final int FALLOC_FL_PUNCH_HOLE = 0x02;
    static final int FALLOC_FL_COLLAPSE_RANGE = 0x08;
    static final int FALLOC_FL_ZERO_RANGE = 0x10;

    @Test
    void fallocate_lengthensUnlessKeepSize_andReadsZerosThere() throws Exception {
        writeFile(p("f"), "abc");
        int fd = ops().open(p("f"), O_RDWR, 0);
        ops().fallocate(fd, 0, 1, 2); // inside: nothing changes
        assertEquals(3, ops().fstat(fd).size());
        ops().fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, 1000);
        assertEquals(3, ops().fstat(fd).size());
        ops().fallocate(fd, 0, 2, CHUNK);
        assertEquals(CHUNK + 2, ops().fstat(fd).size());
        ops().close(fd);
        byte[] back = readFile(p("f"));
        assertArrayEquals(utf8("abc"), Arrays.copyOf(back, 3));
        assertArrayEquals(new byte[CHUNK - 1], Arrays.copyOfRange(back, 3, back.length));
    }

    @Test
    void fallocate_punchHoleAndZeroRange_readZeros_acrossTheChunkBoundary() throws Exception {
        byte[] data = random(2 * CHUNK, 21);
        int fd = ops().open(p("f"), O_CREAT | O_RDWR, 0644);
        ops().pwrite(fd, 0, data);
        ops().fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, CHUNK - 100, 200);
        Arrays.fill(data, CHUNK - 100, CHUNK + 100, (byte) 0);
        ops().fallocate(fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, 2 * CHUNK - 10, 1000);
        Arrays.fill(data, 2 * CHUNK - 10, 2 * CHUNK, (byte) 0);
        assertEquals(2 * CHUNK, ops().fstat(fd).size(), "KEEP_SIZE");
        assertArrayEquals(data, ops().pread(fd, 0, 3 * CHUNK));
        ops().fallocate(fd, FALLOC_FL_ZERO_RANGE, 10, 2 * CHUNK + 5);
        Arrays.fill(data, 10, data.length, (byte) 0);
        assertEquals(2 * CHUNK + 15, ops().fstat(fd).size(), "zero range lengthens without KEEP_SIZE");
        ops().close(fd);
        assertArrayEquals(Arrays.copyOf(data, 2 * CHUNK + 15), readFile(p("f")));
    }

    @Test
    void fallocate_errors() throws Exception {
        writeFile(p("f"), "abc");
        int fd = ops().open(p("f"), O_RDWR, 0);
        assertErrno(Errno.ENOTSUP, () -> ops().fallocate(fd, FALLOC_FL_COLLAPSE_RANGE, 0, 4096));
        assertErrno(Errno.ENOTSUP, () -> ops().fallocate(fd, FALLOC_FL_PUNCH_HOLE, 0, 1)); // a hole needs KEEP_SIZE
        assertErrno(Errno.EINVAL, () -> ops().fallocate(fd, 0, 0, 0));
        assertErrno(Errno.EINVAL, () -> ops().fallocate(fd, 0, -1, 10));
        int readOnly = ops().open(p("f"), O_RDONLY, 0);
        assertErrno(Errno.EBADF, () -> ops().fallocate(readOnly, 0, 0, 10));
        assertArrayEquals(utf8("abc"), readFile(p("f")));
    }

    @Test
    void truncate_growsASmallFile_pastWhatIsStoredInline() throws Exception {
        writeFile(p("closed"), "small");
        ops().truncate(p("closed"), CHUNK + 3);
        byte[] back = readFile(p("closed"));
        assertEquals(CHUNK + 3, back.length);
        assertArrayEquals(utf8("small"), Arrays.copyOf(back, 5));
        assertArrayEquals(new byte[CHUNK - 2], Arrays.copyOfRange(back, 5, back.length));

        int fd = ops().open(p("open"), O_CREAT | O_RDWR, 0644);
        byte[] data = random(100_000, 15); // buffered, past the inline limit, not yet flushed
        ops().pwrite(fd, 0, data);
        ops().ftruncate(fd, 200_000);
        assertArrayEquals(data, ops().pread(fd, 0, data.length));
        ops().close(fd);
        assertEquals(200_000, ops().stat(p("open")).size());
    }

    @Test
    void ftruncate_ofASmallFileJustOpened_shrinksThenGrowsWithZeros() throws Exception {
        writeFile(p("f"), "abcdefghij");
        int fd = ops().open(p("f"), O_RDWR, 0);
        ops().ftruncate(fd, 3);
        ops().ftruncate(fd, 8);
        assertArrayEquals(utf8("abc\0\0\0\0\0"), ops().pread(fd, 0, 100));
        ops().close(fd);
        assertArrayEquals(utf8("abc\0\0\0\0\0"), readFile(p("f")));

        writeFile(p("g"), "abcdefghij");
        fd = ops().open(p("g"), O_RDWR, 0);
        ops().pwrite(fd, 1, utf8("X"));
        assertArrayEquals(utf8("aXcdefghij"), ops().pread(fd, 0, 100));
        ops().close(fd);
        assertArrayEquals(utf8("aXcdefghij"), readFile(p("g")));
    }

    @Test
    void truncate_whileWritesAreBuffered_isNotUndoneByClose() throws Exception {
        int fd = ops().open(p("f"), O_CREAT | O_WRONLY, 0644);
        ops().pwrite(fd, 0, random(100_000, 8));
        ops().truncate(p("f"), 10);
        ops().close(fd);
        assertEquals(10, ops().stat(p("f")).size());
        assertEquals(10, readFile(p("f")).length);
    }

    @Test
    void truncate_changesMtimeAndCtime() throws Exception {
        writeFile(p("f"), "0123456789");
        Stat before = ops().stat(p("f"));
        ops().truncate(p("f"), 5);
        assertNewer(before, ops().stat(p("f")), true, true);
    }

    @Test
    void truncate_ofADirectory_failsWithEisdir() throws Exception {
        ops().mkdir(p("d"), 0755);
        assertErrno(Errno.EISDIR, () -> ops().truncate(p("d"), 0));
    }

    @Test
    void truncate_toANegativeSize_failsWithEinval() throws Exception {
        writeFile(p("f"), "x");
        assertErrno(Errno.EINVAL, () -> ops().truncate(p("f"), -1));
        assertEquals(1, ops().stat(p("f")).size());
    }

    // ================================================================== utimensat

    @Test
    void utimens_setsNanosecondTimes_andCtimeToNow() throws Exception {
        writeFile(p("f"), "x");
        long atime = 1_234_567_890_123_456_789L;
        long mtime = 1_300_000_000_987_654_321L;
        long wallBefore = wallNanos();
        ops().utimens(p("f"), atime, mtime);
        Stat s = ops().stat(p("f"));
        assertEquals(atime, s.atimeNanos());
        assertEquals(mtime, s.mtimeNanos());
        assertNearNow(wallBefore, s.ctimeNanos(), "ctime");
        ops().utimens(p("f"), -1_000_000_001L, 0);
        s = ops().stat(p("f"));
        assertEquals(-1_000_000_001L, s.atimeNanos(), "a time before the epoch");
        assertEquals(0, s.mtimeNanos());
    }

    @Test
    void utimens_now_setsTheCurrentTime() throws Exception {
        writeFile(p("f"), "x");
        ops().utimens(p("f"), 1_000_000_000_000_000_000L, 1_000_000_000_000_000_000L);
        long wallBefore = wallNanos();
        ops().utimens(p("f"), NOW, NOW);
        Stat s = ops().stat(p("f"));
        assertNearNow(wallBefore, s.atimeNanos(), "atime");
        assertNearNow(wallBefore, s.mtimeNanos(), "mtime");
    }

    @Test
    void utimens_omit_leavesThatTimeAlone() throws Exception {
        writeFile(p("f"), "x");
        long t1 = 1_111_111_111_111_111_111L;
        long t2 = 1_222_222_222_222_222_222L;
        ops().utimens(p("f"), t1, t1);
        ops().utimens(p("f"), OMIT, t2);
        Stat s = ops().stat(p("f"));
        assertEquals(t1, s.atimeNanos());
        assertEquals(t2, s.mtimeNanos());
        ops().utimens(p("f"), t2, OMIT);
        s = ops().stat(p("f"));
        assertEquals(t2, s.atimeNanos());
        assertEquals(t2, s.mtimeNanos());
        long wallBefore = wallNanos();
        ops().utimens(p("f"), OMIT, NOW);
        s = ops().stat(p("f"));
        assertEquals(t2, s.atimeNanos());
        assertNearNow(wallBefore, s.mtimeNanos(), "mtime");
    }

    @Test
    void utimens_betweenAWriteAndItsClose_keepsTheTimeSet() throws Exception {
        // What cp -a, cp -p and tar -x do: write the file, set its times, close it.
        long time = 981_173_106_123_456_789L;
        for (int size : new int[] {8, 300_000}) { // stored inline, and in chunks
            String path = p("f" + size);
            int fd = ops().open(path, O_CREAT | O_WRONLY, 0644);
            ops().write(fd, new byte[size]);
            ops().utimens(path, time, time);
            ops().close(fd);
            Stat s = ops().statUncached(path);
            assertEquals(time, s.mtimeNanos(), size + " bytes: mtime");
            assertEquals(time, s.atimeNanos(), size + " bytes: atime");
            assertEquals(size, s.size());
        }
    }

    // ================================================================== timestamps

    @Test
    void write_changesMtimeAndCtime() throws Exception {
        writeFile(p("f"), "before");
        Stat before = ops().stat(p("f"));
        int fd = ops().open(p("f"), O_WRONLY, 0);
        ops().pwrite(fd, 2, utf8("x"));
        ops().close(fd);
        Stat after = ops().stat(p("f"));
        assertNewer(before, after, true, true);
        assertEquals(before.size(), after.size());
    }

    @Test
    void write_stampsMtimeWhenMade_notWhenItReachesTheServers() throws Exception {
        for (int size : new int[] {8, 300_000}) { // stored inline, and in chunks
            String path = p("f" + size);
            int fd = ops().open(path, O_CREAT | O_WRONLY, 0644);
            long beforeWrite = wallNanos();
            ops().write(fd, new byte[size]);
            long afterWrite = wallNanos();
            long during = ops().fstat(fd).mtimeNanos();
            assertTrue(during >= beforeWrite && during <= afterWrite,
                    size + " bytes: mtime " + during + " before close is not the write's");
            long beforeClose = wallNanos();
            ops().close(fd);
            long after = ops().statUncached(path).mtimeNanos();
            assertTrue(after >= beforeWrite && after <= beforeClose,
                    size + " bytes: mtime " + after + " is not the write's, but later");
        }
    }

    @Test
    void read_doesNotChangeMtimeOrCtime() throws Exception {
        writeFile(p("f"), "data");
        Stat before = ops().stat(p("f"));
        readFile(p("f"));
        Stat after = ops().stat(p("f"));
        assertEquals(before.mtimeNanos(), after.mtimeNanos());
        assertEquals(before.ctimeNanos(), after.ctimeNanos());
    }

    @Test
    void read_updatesAnOlderAtime_asRelatimeDoes() throws Exception {
        writeFile(p("f"), "data");
        Stat written = ops().stat(p("f"));
        long old = written.mtimeNanos() - 3_600_000_000_000L;
        ops().utimens(p("f"), old, OMIT);
        long wallBefore = wallNanos();
        readFile(p("f"));
        // Mnemo sends the atime update without waiting for it.
        Stat after = await().atMost(Duration.ofSeconds(5)).until(() -> ops().stat(p("f")), s -> s.atimeNanos() != old);
        assertNearNow(wallBefore, after.atimeNanos(), "atime older than mtime is updated by a read");
        Stat settled = after;
        readFile(p("f"));
        assertEquals(settled.atimeNanos(), ops().stat(p("f")).atimeNanos(), "a newer atime is left alone");
    }

    @Test
    void create_changesTheParentsMtimeAndCtime() throws Exception {
        Stat before = ops().stat(base());
        ops().close(ops().open(p("f"), O_CREAT | O_WRONLY, 0644));
        assertNewer(before, ops().stat(base()), true, true);
    }

    @Test
    void unlink_changesTheParentsMtimeAndCtime() throws Exception {
        writeFile(p("f"), "x");
        Stat before = ops().stat(base());
        ops().unlink(p("f"));
        assertNewer(before, ops().stat(base()), true, true);
    }

    @Test
    void mkdir_changesTheParentsMtimeAndCtime() throws Exception {
        Stat before = ops().stat(base());
        ops().mkdir(p("d"), 0755);
        assertNewer(before, ops().stat(base()), true, true);
    }

    @Test
    void rmdir_changesTheParentsMtimeAndCtime() throws Exception {
        ops().mkdir(p("d"), 0755);
        Stat before = ops().stat(base());
        ops().rmdir(p("d"));
        assertNewer(before, ops().stat(base()), true, true);
    }

    @Test
    void symlinkAndMkfifo_changeTheParentsMtimeAndCtime() throws Exception {
        Stat before = ops().stat(base());
        ops().symlink("x", p("l"));
        Stat afterSymlink = ops().stat(base());
        assertNewer(before, afterSymlink, true, true);
        ops().mkfifo(p("fifo"), 0644);
        assertNewer(afterSymlink, ops().stat(base()), true, true);
    }

    // ================================================================== extended attributes

    @Test
    void xattr_setGetListRemove() throws Exception {
        writeFile(p("f"), "x");
        byte[] binary = {0, 1, 2, (byte) 0xff, 0, 42};
        ops().setxattr(p("f"), "user.binary", binary, 0);
        ops().setxattr(p("f"), "user.text", utf8("hello"), 0);
        ops().setxattr(p("f"), "user.empty", new byte[0], 0);
        assertArrayEquals(binary, ops().getxattr(p("f"), "user.binary"));
        assertArrayEquals(utf8("hello"), ops().getxattr(p("f"), "user.text"));
        assertArrayEquals(new byte[0], ops().getxattr(p("f"), "user.empty"));
        assertEquals(List.of("user.binary", "user.empty", "user.text"), sorted(ops().listxattr(p("f"))));
        ops().setxattr(p("f"), "user.text", utf8("replaced"), 0);
        assertArrayEquals(utf8("replaced"), ops().getxattr(p("f"), "user.text"));
        ops().removexattr(p("f"), "user.binary");
        assertEquals(List.of("user.empty", "user.text"), sorted(ops().listxattr(p("f"))));
        assertErrno(Errno.ENODATA, () -> ops().getxattr(p("f"), "user.binary"));
    }

    @Test
    void xattr_largeValue_of64KiB_roundTrips() throws Exception {
        writeFile(p("f"), "x");
        byte[] value = random(65536, 9);
        ops().setxattr(p("f"), "user.big", value, 0);
        assertArrayEquals(value, ops().getxattr(p("f"), "user.big"));
        assertEquals(65536, ops().getxattrSize(p("f"), "user.big"));
    }

    @Test
    void xattr_onADirectoryAndThroughASymlink() throws Exception {
        ops().mkdir(p("d"), 0755);
        ops().setxattr(p("d"), "user.dir", utf8("on a dir"), 0);
        assertArrayEquals(utf8("on a dir"), ops().getxattr(p("d"), "user.dir"));
        ops().symlink("d", p("l"));
        assertArrayEquals(utf8("on a dir"), ops().getxattr(p("l"), "user.dir"), "getxattr follows symlinks");
    }

    @Test
    void xattr_create_onAnExistingName_failsWithEexist() throws Exception {
        writeFile(p("f"), "x");
        ops().setxattr(p("f"), "user.a", utf8("1"), XATTR_CREATE);
        assertErrno(Errno.EEXIST, () -> ops().setxattr(p("f"), "user.a", utf8("2"), XATTR_CREATE));
        assertArrayEquals(utf8("1"), ops().getxattr(p("f"), "user.a"));
    }

    @Test
    void xattr_replace_ofAMissingName_failsWithEnodata() throws Exception {
        writeFile(p("f"), "x");
        assertErrno(Errno.ENODATA, () -> ops().setxattr(p("f"), "user.a", utf8("1"), XATTR_REPLACE));
        assertErrno(Errno.ENODATA, () -> ops().getxattr(p("f"), "user.a"));
        ops().setxattr(p("f"), "user.a", utf8("1"), 0);
        ops().setxattr(p("f"), "user.a", utf8("2"), XATTR_REPLACE);
        assertArrayEquals(utf8("2"), ops().getxattr(p("f"), "user.a"));
    }

    @Test
    void xattr_getOrRemoveOfAMissingName_failsWithEnodata() throws Exception {
        writeFile(p("f"), "x");
        assertErrno(Errno.ENODATA, () -> ops().getxattr(p("f"), "user.missing"));
        assertErrno(Errno.ENODATA, () -> ops().getxattrSize(p("f"), "user.missing"));
        assertErrno(Errno.ENODATA, () -> ops().removexattr(p("f"), "user.missing"));
    }

    @Test
    void xattr_sizeProbeWithAZeroLengthBuffer() throws Exception {
        writeFile(p("f"), "x");
        assertEquals(0, ops().listxattrSize(p("f")));
        ops().setxattr(p("f"), "user.abc", new byte[1234], 0);
        ops().setxattr(p("f"), "user.d", new byte[0], 0);
        assertEquals(1234, ops().getxattrSize(p("f"), "user.abc"));
        assertEquals(0, ops().getxattrSize(p("f"), "user.d"));
        assertEquals("user.abc\0user.d\0".length(), ops().listxattrSize(p("f")));
    }

    @Test
    void xattr_trustedNamespace_worksForRoot() throws Exception {
        writeFile(p("f"), "x");
        ops().setxattr(p("f"), "trusted.t", utf8("root only"), 0);
        ops().setxattr(p("f"), "user.u", utf8("anyone"), 0);
        assertArrayEquals(utf8("root only"), ops().getxattr(p("f"), "trusted.t"));
        assertEquals(List.of("trusted.t", "user.u"), sorted(ops().listxattr(p("f"))));
        ops().removexattr(p("f"), "trusted.t");
        assertEquals(List.of("user.u"), ops().listxattr(p("f")));
    }

    @Test
    void xattr_unknownNamespace_failsWithEopnotsupp() throws Exception {
        writeFile(p("f"), "x");
        assertErrno(Errno.ENOTSUP, () -> ops().setxattr(p("f"), "nonsense.name", utf8("v"), 0));
        assertErrno(Errno.ENOTSUP, () -> ops().setxattr(p("f"), "noprefix", utf8("v"), 0));
    }

    @Test
    void xattr_set_changesCtimeOnly() throws Exception {
        writeFile(p("f"), "x");
        Stat before = ops().stat(p("f"));
        ops().setxattr(p("f"), "user.a", utf8("1"), 0);
        Stat after = ops().stat(p("f"));
        assertEquals(before.mtimeNanos(), after.mtimeNanos());
        assertTrue(after.ctimeNanos() > before.ctimeNanos(), "ctime");
    }

    @Test
    void xattr_goesWithTheLastLink() throws Exception {
        writeFile(p("f"), "x");
        ops().setxattr(p("f"), "user.a", utf8("1"), 0);
        ops().link(p("f"), p("g"));
        assertArrayEquals(utf8("1"), ops().getxattr(p("g"), "user.a"), "xattrs belong to the inode");
        ops().unlink(p("f"));
        ops().unlink(p("g"));
        writeFile(p("f"), "new file, same name");
        assertEquals(List.of(), ops().listxattr(p("f")));
    }

    // ================================================================== permissions

    @Test
    void lookup_inAnotherUsers0700Directory_failsWithEacces() throws Exception {
        ops().mkdir(p("private"), 0700);
        writeFile(p("private/f"), "secret");
        ops().chown(p("private"), OTHER, OTHER);
        ops().chown(p("private/f"), OTHER, OTHER);
        assertErrno(Errno.EACCES, () -> user().stat(p("private/f")));
        assertErrno(Errno.EACCES, () -> user().open(p("private/f"), O_RDONLY, 0));
        assertErrno(Errno.EACCES, () -> user().open(p("private/new"), O_CREAT | O_WRONLY, 0644));
        assertErrno(Errno.EACCES, () -> user().readdir(p("private")));
        assertErrno(Errno.EACCES, () -> user().mkdir(p("private/d"), 0755));
        assertErrno(Errno.EACCES, () -> user().unlink(p("private/f")));
        assertEquals("secret", new String(readFile(other(), p("private/f")), StandardCharsets.UTF_8));
        assertEquals(List.of("f"), other().readdir(p("private")));
    }

    @Test
    void open_withoutThePermission_failsWithEacces() throws Exception {
        ops().chmod(base(), 0777);
        byte[] data = random(CHUNK + 1000, 14); // in chunks on the data nodes, not inline
        writeFile(p("f"), data);
        ops().chmod(p("f"), 0644);
        ops().chown(p("f"), OTHER, OTHER);
        assertArrayEquals(data, readFile(user(), p("f")));
        assertErrno(Errno.EACCES, () -> user().open(p("f"), O_WRONLY, 0));
        assertErrno(Errno.EACCES, () -> user().open(p("f"), O_RDWR, 0));
        assertErrno(Errno.EACCES, () -> user().open(p("f"), O_WRONLY | O_TRUNC, 0));
        assertErrno(Errno.EACCES, () -> user().truncate(p("f"), 10));
        ops().chmod(p("f"), 0200);
        assertErrno(Errno.EACCES, () -> other().open(p("f"), O_RDONLY, 0));
        other().close(other().open(p("f"), O_WRONLY, 0));
        assertArrayEquals(data, readFile(p("f")), "a refused truncate leaves the data alone");
    }

    @Test
    void open_asRoot_ignoresThePermissionBits() throws Exception {
        writeFile(p("f"), "x");
        ops().chown(p("f"), OTHER, OTHER);
        ops().chmod(p("f"), 0);
        int fd = ops().open(p("f"), O_RDWR, 0);
        ops().pwrite(fd, 1, utf8("y"));
        ops().close(fd);
        assertEquals("xy", readText(p("f")));
    }

    @Test
    void create_inADirectoryWithoutWritePermission_failsWithEacces() throws Exception {
        writeFile(p("f"), "x");
        ops().chmod(p("f"), 0666); // so that fs.protected_hardlinks lets the user link it
        assertErrno(Errno.EACCES, () -> user().open(p("new"), O_CREAT | O_WRONLY, 0644));
        assertErrno(Errno.EACCES, () -> user().mkdir(p("d"), 0755));
        assertErrno(Errno.EACCES, () -> user().symlink("f", p("l")));
        assertErrno(Errno.EACCES, () -> user().mkfifo(p("fifo"), 0644));
        assertErrno(Errno.EACCES, () -> user().unlink(p("f")));
        assertErrno(Errno.EACCES, () -> user().rename(p("f"), p("g")));
        assertErrno(Errno.EACCES, () -> user().link(p("f"), p("g")));
        assertEquals(List.of("f"), ops().readdir(base()));
    }

    @Test
    void unlink_inAStickyDirectory_ofAnotherUsersFile_failsWithEperm() throws Exception {
        ops().chmod(base(), 01777);
        writeFile(other(), p("theirs"), utf8("x"));
        writeFile(user(), p("mine"), utf8("y"));
        assertEquals(OTHER, ops().stat(p("theirs")).uid());
        assertErrno(Errno.EPERM, () -> user().unlink(p("theirs")));
        assertErrno(Errno.EPERM, () -> user().rename(p("theirs"), p("stolen")));
        assertErrno(Errno.EPERM, () -> user().rename(p("mine"), p("theirs")));
        user().unlink(p("mine"));
        ops().chown(base(), OTHER, OTHER);
        writeFile(user(), p("mine"), utf8("y"));
        other().unlink(p("mine")); // the directory's owner may
        ops().unlink(p("theirs")); // and root
        assertEquals(List.of(), ops().readdir(base()));
    }

    @Test
    void chmod_byAnotherUser_failsWithEperm() throws Exception {
        writeFile(p("f"), "x");
        ops().chown(p("f"), OTHER, OTHER);
        ops().chmod(p("f"), 0666);
        assertErrno(Errno.EPERM, () -> user().chmod(p("f"), 0777));
        other().chmod(p("f"), 0600);
        assertEquals(0600, ops().stat(p("f")).mode());
    }

    @Test
    void chown_byNonRoot_failsWithEperm_exceptChgrpToItsOwnGroup() throws Exception {
        writeFile(p("f"), "x");
        ops().chown(p("f"), MEMBER, MEMBER);
        assertErrno(Errno.EPERM, () -> member().chown(p("f"), OTHER, -1));
        assertErrno(Errno.EPERM, () -> member().chown(p("f"), -1, OTHER));
        assertErrno(Errno.EPERM, () -> user().chown(p("f"), -1, USER));
        member().chown(p("f"), -1, SHARED_GROUP);
        member().chown(p("f"), MEMBER, MEMBER);
        Stat s = ops().stat(p("f"));
        assertEquals(MEMBER, s.uid());
        assertEquals(MEMBER, s.gid());
    }

    @Test
    void access_checksTheModeBits_ofOwnerGroupAndOthers() throws Exception {
        writeFile(p("f"), "x");
        ops().chown(p("f"), USER, SHARED_GROUP);
        ops().chmod(p("f"), 0640);
        user().access(p("f"), R_OK | W_OK);
        user().access(p("f"), F_OK);
        assertErrno(Errno.EACCES, () -> user().access(p("f"), X_OK));
        member().access(p("f"), R_OK);
        assertErrno(Errno.EACCES, () -> member().access(p("f"), W_OK));
        assertErrno(Errno.EACCES, () -> stranger().access(p("f"), R_OK));
        stranger().access(p("f"), F_OK);
        ops().access(p("f"), R_OK | W_OK);
        assertErrno(Errno.EACCES, () -> ops().access(p("f"), X_OK));
        ops().chmod(p("f"), 0641);
        ops().access(p("f"), X_OK); // root may execute once any execute bit is set
        assertErrno(Errno.ENOENT, () -> user().access(p("missing"), F_OK));
    }

    @Test
    void utimens_byAnotherUser_needsOwnershipForExplicitTimes_andWritePermissionForNow() throws Exception {
        writeFile(p("f"), "x");
        ops().chown(p("f"), OTHER, OTHER);
        ops().chmod(p("f"), 0666);
        assertErrno(Errno.EPERM, () -> user().utimens(p("f"), 1_000_000_000L, 1_000_000_000L));
        user().utimens(p("f"), NOW, NOW);
        ops().chmod(p("f"), 0644);
        assertErrno(Errno.EACCES, () -> user().utimens(p("f"), NOW, NOW));
        other().utimens(p("f"), 5_000_000_000L, 5_000_000_000L);
        assertEquals(5_000_000_000L, ops().stat(p("f")).mtimeNanos());
    }

    @Test
    void xattr_user_needsWritePermissionToSet_andReadPermissionToGet() throws Exception {
        writeFile(p("f"), "x");
        ops().setxattr(p("f"), "user.a", utf8("1"), 0);
        ops().chown(p("f"), OTHER, OTHER);
        ops().chmod(p("f"), 0644);
        assertArrayEquals(utf8("1"), user().getxattr(p("f"), "user.a"));
        assertErrno(Errno.EACCES, () -> user().setxattr(p("f"), "user.b", utf8("2"), 0));
        assertErrno(Errno.EACCES, () -> user().removexattr(p("f"), "user.a"));
        ops().chmod(p("f"), 0600);
        assertErrno(Errno.EACCES, () -> user().getxattr(p("f"), "user.a"));
        other().setxattr(p("f"), "user.b", utf8("2"), 0);
    }

    @Test
    void xattr_trusted_isInvisibleAndUnwritableForNonRoot() throws Exception {
        ops().chmod(base(), 0777);
        writeFile(user(), p("f"), utf8("x"));
        ops().setxattr(p("f"), "trusted.t", utf8("root only"), 0);
        assertErrno(Errno.EPERM, () -> user().setxattr(p("f"), "trusted.u", utf8("no"), 0));
        assertErrno(Errno.ENODATA, () -> user().getxattr(p("f"), "trusted.t"));
        user().setxattr(p("f"), "user.u", utf8("yes"), 0);
        assertEquals(List.of("user.u"), user().listxattr(p("f")), "trusted.* is listed to root only");
        assertArrayEquals(utf8("root only"), ops().getxattr(p("f"), "trusted.t"));
    }

    @Test
    void create_inASetgidDirectory_takesTheDirectorysGroup() throws Exception {
        ops().mkdir(p("g"), 0777);
        ops().chown(p("g"), 0, SHARED_GROUP);
        ops().chmod(p("g"), 02777);
        writeFile(user(), p("g/f"), utf8("x"));
        user().mkdir(p("g/sub"), 0755);
        Stat f = ops().stat(p("g/f"));
        assertEquals(USER, f.uid());
        assertEquals(SHARED_GROUP, f.gid(), "a new file takes the setgid directory's group");
        Stat sub = ops().stat(p("g/sub"));
        assertEquals(SHARED_GROUP, sub.gid());
        assertEquals(02755, sub.mode(), "a new subdirectory inherits S_ISGID");
    }

    @Test
    void create_byANonRootUser_isOwnedByItsUidAndGid() throws Exception {
        ops().chmod(base(), 0777);
        writeFile(user(), p("f"), utf8("x"));
        user().mkdir(p("d"), 0700);
        user().symlink("f", p("l"));
        for (String name : List.of("f", "d")) {
            Stat s = ops().stat(p(name));
            assertEquals(USER, s.uid(), name);
            assertEquals(USER, s.gid(), name);
        }
        assertEquals(USER, ops().lstat(p("l")).uid());
    }

    // ================================================================== open but unlinked

    @Test
    void unlinkedOpenFile_staysReadableAndWritable_untilTheLastClose() throws Exception {
        byte[] data = random(CHUNK + 100_000, 10);
        int fd = ops().open(p("f"), O_CREAT | O_RDWR, 0644);
        ops().pwrite(fd, 0, data);
        ops().fsync(fd);
        int reader = ops().open(p("f"), O_RDONLY, 0);
        long ino = ops().fstat(fd).ino();

        ops().unlink(p("f"));
        assertErrno(Errno.ENOENT, () -> ops().stat(p("f")));
        assertEquals(List.of(), ops().readdir(base()));
        awaitChunkCollection();

        ops().dropCachedPages(fd);
        assertArrayEquals(data, ops().pread(fd, 0, data.length), "readable after unlink and a GC round");
        Stat s = ops().fstat(fd);
        assertEquals(0, s.nlink());
        assertEquals(data.length, s.size());
        byte[] more = random(5000, 11);
        ops().pwrite(fd, data.length, more);
        ops().fsync(fd);
        assertEquals(data.length + more.length, ops().fstat(reader).size());
        ops().dropCachedPages(reader);
        assertArrayEquals(more, ops().pread(reader, data.length, more.length), "writable after unlink");

        ops().close(fd);
        awaitChunkCollection();
        ops().dropCachedPages(reader);
        assertArrayEquals(Arrays.copyOf(data, 1000), ops().pread(reader, 0, 1000), "still open by the reader");
        ops().close(reader);
        awaitChunksDeleted(ino);
    }

    @Test
    void unlinkedSmallFile_growsAndShrinks_throughItsHandle() throws Exception {
        // Python's tempfile.TemporaryFile: create, unlink, then write; the file starts inline.
        int fd = ops().open(p("f"), O_CREAT | O_RDWR, 0644);
        ops().pwrite(fd, 0, utf8("small"));
        ops().unlink(p("f"));
        byte[] data = random(200_000, 13);
        ops().pwrite(fd, 0, data);
        ops().fsync(fd);
        ops().dropCachedPages(fd);
        assertArrayEquals(data, ops().pread(fd, 0, data.length), "moved out of inline storage after the unlink");
        ops().ftruncate(fd, 1000);
        assertEquals(1000, ops().fstat(fd).size());
        ops().close(fd);

        fd = ops().open(p("g"), O_CREAT | O_RDWR, 0644);
        ops().pwrite(fd, 0, utf8("inline"));
        ops().unlink(p("g"));
        ops().ftruncate(fd, 3);
        assertEquals("inl", new String(ops().pread(fd, 0, 100), StandardCharsets.UTF_8), "cut while inline");
        ops().fallocate(fd, 0, 0, 100_000);
        assertEquals(100_000, ops().fstat(fd).size(), "lengthened past the inline limit");
        ops().close(fd);
    }

    @Test
    void renameOverAnOpenFile_keepsTheReplacedFileReadableThroughItsHandle() throws Exception {
        byte[] old = random(100_000, 12);
        writeFile(p("target"), old);
        writeFile(p("new"), "new contents");
        int fd = ops().open(p("target"), O_RDONLY, 0);
        ops().rename(p("new"), p("target"));
        assertEquals("new contents", readText(p("target")));
        awaitChunkCollection();
        ops().dropCachedPages(fd);
        assertArrayEquals(old, ops().pread(fd, 0, old.length));
        assertEquals(0, ops().fstat(fd).nlink());
        long ino = ops().fstat(fd).ino();
        ops().close(fd);
        awaitChunksDeleted(ino);
    }

    @Test
    void unlinkedFile_afterTheLastClose_isGoneWithItsData() throws Exception {
        awaitChunkCollection(); // files earlier tests unlinked are gone, and stop changing the count
        FsStat before = ops().statfs();
        int fd = ops().open(p("f"), O_CREAT | O_RDWR, 0644);
        ops().pwrite(fd, 0, random(CHUNK + 1, 13));
        ops().fsync(fd);
        long ino = ops().fstat(fd).ino();
        assertEquals(before.inodesUsed() + 1, ops().statfs().inodesUsed());
        ops().unlink(p("f"));
        ops().close(fd);
        awaitChunksDeleted(ino);
        awaitInodesUsed(before.inodesUsed());
    }

    // ================================================================== O_TMPFILE

    @Test
    void tmpfile_hasNoName_andIsGoneWithItsDataAtItsLastClose() throws Exception {
        awaitChunkCollection(); // files earlier tests unlinked are gone, and stop changing the count
        FsStat before = ops().statfs();
        long dirMtime = ops().stat(base()).mtimeNanos();
        byte[] data = random(CHUNK + 1, 14);
        int fd = ops().open(base(), O_TMPFILE | O_RDWR, 0640);
        ops().pwrite(fd, 0, data);
        ops().fsync(fd);
        Stat s = ops().fstat(fd);
        assertEquals(FileType.REGULAR, s.type());
        assertEquals(0640, s.mode());
        assertEquals(0, s.nlink());
        assertEquals(data.length, s.size());
        assertEquals(List.of(), ops().readdir(base()));
        assertEquals(dirMtime, ops().stat(base()).mtimeNanos(), "no entry was made");
        assertEquals(before.inodesUsed() + 1, ops().statfs().inodesUsed());
        awaitChunkCollection();
        ops().dropCachedPages(fd);
        assertArrayEquals(data, ops().pread(fd, 0, data.length), "kept while open");
        ops().close(fd);
        awaitChunksDeleted(s.ino());
        awaitInodesUsed(before.inodesUsed());
    }

    @Test
    void tmpfile_linkedThroughItsDescriptor_keepsItsDataUnderTheName() throws Exception {
        for (int size : new int[] {1000, CHUNK + 5000}) { // inline, and in chunks
            byte[] data = random(size, size);
            int fd = ops().open(base(), O_TMPFILE | O_WRONLY, 0600);
            ops().pwrite(fd, 0, data);
            ops().linkFd(fd, p("named"));
            Stat linked = ops().stat(p("named"));
            assertEquals(1, linked.nlink());
            assertEquals(ops().fstat(fd).ino(), linked.ino());
            byte[] more = utf8("and after the link");
            ops().pwrite(fd, size, more);
            ops().close(fd);
            awaitChunkCollection();
            byte[] expected = Arrays.copyOf(data, size + more.length);
            System.arraycopy(more, 0, expected, size, more.length);
            assertArrayEquals(expected, readFile(p("named")), size + " bytes");
            assertEquals(List.of("named"), ops().readdir(base()));
            ops().unlink(p("named"));
        }
    }

    @Test
    void tmpfile_withOExcl_orUnlinkedAfterItsLink_cannotBeLinked() throws Exception {
        int fd = ops().open(base(), O_TMPFILE | O_RDWR | O_EXCL, 0600);
        assertErrno(Errno.ENOENT, () -> ops().linkFd(fd, p("never")));
        ops().close(fd);

        int again = ops().open(base(), O_TMPFILE | O_RDWR, 0600);
        ops().linkFd(again, p("once"));
        ops().unlink(p("once"));
        // Unlinked after its link, it is like any other unlinked file.
        assertErrno(Errno.ENOENT, () -> ops().linkFd(again, p("twice")));
        ops().close(again);
        assertEquals(List.of(), ops().readdir(base()));
    }

    @Test
    void tmpfile_errors() throws Exception {
        writeFile(p("file"), "x");
        assertErrno(Errno.ENOTDIR, () -> ops().open(p("file"), O_TMPFILE | O_RDWR, 0600));
        assertErrno(Errno.ENOENT, () -> ops().open(p("missing"), O_TMPFILE | O_RDWR, 0600));
        assertErrno(Errno.EINVAL, () -> ops().open(base(), O_TMPFILE | O_RDONLY, 0600)); // needs write access
        ops().mkdir(p("ro"), 0755);
        assertErrno(Errno.EACCES, () -> user().open(p("ro"), O_TMPFILE | O_RDWR, 0600)); // no write permission
        ops().chmod(p("ro"), 0777);
        int fd = user().open(p("ro"), O_TMPFILE | O_RDWR, 0600);
        assertEquals(USER, user().fstat(fd).uid());
        user().close(fd);
    }

    // ================================================================== statfs, mknod, readdir

    @Test
    void statfs_reportsCapacity_andCountsInodes() throws Exception {
        awaitChunkCollection(); // files earlier tests unlinked are gone, and stop changing the count
        FsStat before = ops().statfs();
        assertTrue(before.capacityBytes() > 0, "capacity " + before.capacityBytes());
        assertTrue(before.usedBytes() >= 0 && before.usedBytes() <= before.capacityBytes(), "used " + before.usedBytes());
        for (int i = 0; i < 3; i++) {
            ops().close(ops().open(p("f" + i), O_CREAT | O_WRONLY, 0644));
        }
        ops().mkdir(p("d"), 0755);
        assertEquals(before.inodesUsed() + 4, ops().statfs().inodesUsed());
        ops().unlink(p("f0"));
        ops().rmdir(p("d"));
        // Mnemo frees an unlinked regular file's inode in the chunk collector's next round (it
        // may still be open elsewhere), where Linux frees it at once: wait for that round.
        awaitInodesUsed(before.inodesUsed() + 2);
    }

    private void awaitInodesUsed(long expected) {
        await("inodes in use").atMost(POLL_TIMEOUT).until(() -> ops().statfs().inodesUsed(), n -> n == expected);
    }

    @Test
    void mkfifo_createsAFifo() throws Exception {
        ops().mkfifo(p("fifo"), 0640);
        Stat s = ops().lstat(p("fifo"));
        assertEquals(FileType.FIFO, s.type());
        assertEquals(0640, s.mode());
        assertEquals(0, s.size());
        assertEquals(List.of("fifo"), ops().readdir(base()));
        assertErrno(Errno.EEXIST, () -> ops().mkfifo(p("fifo"), 0640));
        ops().unlink(p("fifo"));
        assertErrno(Errno.ENOENT, () -> ops().lstat(p("fifo")));
    }

    @Test
    void readdir_listsEveryEntryOnce_acrossPages() throws Exception {
        Set<String> expected = IntStream.range(0, 1500).mapToObj(i -> "entry-" + i)
                .collect(Collectors.toCollection(TreeSet::new));
        for (String name : expected) {
            if (name.endsWith("7")) {
                ops().mkdir(p(name), 0755);
            } else {
                ops().close(ops().open(p(name), O_CREAT | O_WRONLY, 0644));
            }
        }
        List<String> listed = ops().readdir(base());
        assertEquals(expected.size(), listed.size(), "no entry twice");
        assertEquals(expected, new TreeSet<>(listed));
    }

    @Test
    void readdir_ofAFile_failsWithEnotdir() throws Exception {
        writeFile(p("f"), "x");
        assertErrno(Errno.ENOTDIR, () -> ops().readdir(p("f")));
        assertErrno(Errno.ENOENT, () -> ops().readdir(p("missing")));
    }

    // ================================================================== helpers

    static List<String> sorted(List<String> names) {
        List<String> copy = new ArrayList<>(names);
        copy.sort(null);
        return copy;
    }

    static void assertNewer(Stat before, Stat after, boolean mtime, boolean ctime) {
        if (mtime) {
            assertTrue(after.mtimeNanos() > before.mtimeNanos(),
                    "mtime should change: " + before.mtimeNanos() + " -> " + after.mtimeNanos());
        }
        if (ctime) {
            assertTrue(after.ctimeNanos() > before.ctimeNanos(),
                    "ctime should change: " + before.ctimeNanos() + " -> " + after.ctimeNanos());
        }
    }

    static long wallNanos() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /** The file system's clock is this machine's: a time it set "now" lies between the call and its return. */
    static void assertNearNow(long wallBefore, long nanos, String what) {
        long slack = 1_000_000_000L;
        long wallAfter = wallNanos();
        assertTrue(nanos >= wallBefore - slack && nanos <= wallAfter + slack,
                what + " " + nanos + " is not now (" + wallBefore + " .. " + wallAfter + ")");
    }

    /**
     * Returns once the chunk collector has run a round after this call: a canary file is
     * written, closed and unlinked, and its chunks are awaited gone from the data nodes.
     */
    void awaitChunkCollection() throws Exception {
        String canary = p("gc-canary");
        writeFile(canary, random(128 * 1024 + 1, 0)); // beyond what is stored inline, so it has a chunk
        long ino = ops().stat(canary).ino();
        assertFalse(chunkDirs(ino).isEmpty(), "the canary's chunk is on a data node");
        long withCanary = ops().statfs().inodesUsed();
        ops().unlink(canary);
        awaitChunksDeleted(ino);
        // The collector purges an orphan's inode just after deleting its chunks, in the same round:
        // wait for that too, or it may change the inode count under the caller.
        await("the canary's inode purged").atMost(POLL_TIMEOUT)
                .until(() -> ops().statfs().inodesUsed(), n -> n < withCanary);
    }

    void awaitChunksDeleted(long ino) {
        await("the chunks of inode " + ino + " deleted").atMost(POLL_TIMEOUT).until(() -> chunkDirs(ino).isEmpty());
    }

    private List<Path> chunkDirs(long ino) throws IOException {
        String name = HexFormat.of().toHexDigits(ino);
        List<Path> found = new ArrayList<>();
        try (Stream<Path> nodes = Files.list(clusterDir())) {
            for (Path node : nodes.filter(d -> d.getFileName().toString().startsWith("data-")).toList()) {
                Path dir = node.resolve("chunks").resolve(name);
                try (Stream<Path> chunks = Files.list(dir)) {
                    if (chunks.findAny().isPresent()) {
                        found.add(dir);
                    }
                } catch (NoSuchFileException gone) {
                    // never written, or deleted (perhaps just now)
                }
            }
        }
        return found;
    }
}
