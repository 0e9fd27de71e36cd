package io.mnemo.tools.posix;

import static io.mnemo.tools.posix.PosixOps.O_CREAT;
import static io.mnemo.tools.posix.PosixOps.O_EXCL;
import static io.mnemo.tools.posix.PosixOps.O_RDONLY;
import static io.mnemo.tools.posix.PosixOps.O_WRONLY;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mnemo.core.client.MnemoClient;
import io.mnemo.core.error.Errno;
import io.mnemo.core.model.Caller;
import io.mnemo.core.model.FileType;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.model.Name;
import io.mnemo.tools.MountedCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import jnr.posix.POSIXFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The POSIX conformance suite on a real FUSE mount, with system calls (the kernel resolves
 * paths and checks what it checks itself), plus what only a mount can show: the mount root,
 * symlink loops, xattr buffers, statvfs.
 */
class MountConformanceIT extends PosixConformance {
    @RegisterExtension
    static final MountedCluster cluster = new MountedCluster(3);
    private static MountOps ops;
    private static int savedUmask;

    @BeforeAll
    static void prepare() throws Exception {
        // Other users reach the mount through its parent, a root-only temporary directory.
        Files.setPosixFilePermissions(cluster.mountPoint().getParent(), PosixFilePermissions.fromString("rwxr-xr-x"));
        // Modes as given, as with ClientOps: umask is per process, and nothing here minds 0.
        savedUmask = POSIXFactory.getNativePOSIX().umask(0);
        ops = new MountOps(cluster.mountPoint());
        ops.mkdir("/warm-up", 0777);
        ops.warmUp("/warm-up");
    }

    @AfterAll
    static void restoreUmask() {
        POSIXFactory.getNativePOSIX().umask(savedUmask);
    }

    @Override
    protected PosixOps ops() {
        return ops;
    }

    @Override
    protected Path clusterDir() {
        return cluster.stateDir();
    }

    @Test
    void rmdir_ofTheMountRoot_failsWithEbusy() {
        assertErrno(Errno.EBUSY, () -> ops.rmdir("/"));
    }

    @Test
    void open_throughASymlinkLoop_failsWithEloop() throws Exception {
        ops.symlink("b", p("a"));
        ops.symlink("a", p("b"));
        ops.symlink("self", p("self"));
        assertErrno(Errno.ELOOP, () -> ops.stat(p("a")));
        assertErrno(Errno.ELOOP, () -> ops.open(p("a"), O_RDONLY, 0));
        assertErrno(Errno.ELOOP, () -> ops.open(p("self"), O_CREAT | O_WRONLY, 0644));
        assertErrno(Errno.ELOOP, () -> ops.stat(p("self/x")));
        assertEquals(FileType.SYMLINK, ops.lstat(p("a")).type());
    }

    @Test
    void open_creatExcl_onADanglingSymlink_failsWithEexist() throws Exception {
        ops.symlink("nowhere", p("l"));
        assertErrno(Errno.EEXIST, () -> ops.open(p("l"), O_CREAT | O_EXCL | O_WRONLY, 0644));
        assertErrno(Errno.ENOENT, () -> ops.stat(p("nowhere")));
        ops.close(ops.open(p("l"), O_CREAT | O_WRONLY, 0644)); // without O_EXCL it creates the target
        assertEquals(FileType.REGULAR, ops.stat(p("nowhere")).type());
    }

    @Test
    void getxattr_intoATooSmallBuffer_failsWithErange() throws Exception {
        writeFile(p("f"), "x");
        ops.setxattr(p("f"), "user.a", utf8("0123456789"), 0);
        assertErrno(Errno.ERANGE, () -> ops.getxattr(p("f"), "user.a", 9));
        assertArrayEquals(utf8("0123456789"), ops.getxattr(p("f"), "user.a", 10));
    }

    @Test
    void statvfs_reportsBlocksAndTheNameLimit() throws Exception {
        long[] s = ops.statvfs();
        assertTrue(s[0] > 0 && s[1] > 0, "block sizes");
        assertTrue(s[2] > 0, "blocks");
        assertTrue(s[3] <= s[2] && s[4] <= s[2], "free blocks");
        assertEquals(255, s[10], "f_namemax");
    }

    /**
     * With the kernel's names and attributes dropped, the listing comes as READDIRPLUS, whose
     * attributes the kernel then keeps: they must be what stat would say, including the length of a
     * file still being written through this mount and the link count of a hard-linked one.
     */
    @Test
    void attributesThatComeWithTheListing_areTheFilesOwn() throws Exception {
        writeFile(p("a"), "12345");
        ops.link(p("a"), p("c"));
        int open = ops.open(p("b"), O_CREAT | O_WRONLY, 0644);
        try {
            ops.pwrite(open, 0, utf8("123"));
            Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "2");
            assertEquals(List.of("a", "b", "c"), ops.readdir(base()).stream().sorted().toList());
            assertEquals(5, ops.stat(p("a")).size());
            assertEquals(2, ops.stat(p("a")).nlink());
            assertEquals(3, ops.stat(p("b")).size(), "a file this mount is writing");
        } finally {
            ops.close(open);
        }
    }

    @Test
    void readdir_givesDotAndDotDot_theInodesOfTheDirectoryAndItsParent() throws Exception {
        ops.mkdir(p("d"), 0755);
        Map<String, Long> listed = ops.listing(p("d"));
        assertEquals(ops.stat(p("d")).ino(), listed.get("."));
        assertEquals(ops.stat(base()).ino(), listed.get(".."));
        Map<String, Long> root = ops.listing("/");
        assertEquals(ops.stat("/").ino(), root.get(".."), "the root is its own parent");
    }

    /**
     * A name this mount has cached, renamed over by another client: the open reaches the old,
     * deleted inode, and must end up opening the new file (the kernel looks the name up again on
     * ESTALE), not fail with ENOENT as a stale name would make it.
     */
    @Test
    void open_ofACachedNameRenamedOverElsewhere_opensTheNewFile() throws Exception {
        writeFile(p("target"), "old");
        writeFile(p("new"), "new");
        ops.stat(p("target")); // the kernel now has the name, for the old inode
        MnemoClient other = cluster.client();
        InodeId dir = new InodeId(ops.stat(base()).ino());
        other.rename(dir, Name.of("new"), dir, Name.of("target"), 0, Caller.ROOT);
        assertEquals("new", readText(p("target")));
    }

    /** st_blocks counts the bytes written, so that du shows the holes of a sparse file taking nothing. */
    @Test
    void stBlocks_countWrittenBytes_notHoles() throws Exception {
        int fd = ops.open(p("sparse"), O_CREAT | O_WRONLY, 0644);
        ops.ftruncate(fd, 1L << 30);
        ops.pwrite(fd, 400L << 20, new byte[4096]);
        assertEquals(8, blocks(p("sparse")), "while the write is still in this mount");
        ops.close(fd);
        assertEquals(8, blocks(p("sparse")));

        fd = ops.open(p("full"), O_CREAT | O_WRONLY, 0644);
        ops.write(fd, new byte[300_000]);
        ops.ftruncate(fd, 100_000);
        ops.close(fd);
        assertEquals((100_000 + 511) / 512, blocks(p("full")), "what is left after a truncate");
        writeFile(p("small"), "abc");
        assertEquals(1, blocks(p("small")));
    }

    private long blocks(String path) throws Exception {
        ops.statUncached(path); // drops the kernel's attributes
        return POSIXFactory.getNativePOSIX().stat(cluster.mountPoint() + path).blocks();
    }

    /** A time past what nanoseconds since the epoch hold is clamped, as ext4 clamps to its own range, never wrapped. */
    @Test
    void utimens_pastTheRangeOfTimes_isClamped() throws Exception {
        writeFile(p("f"), "x");
        touch("2300-01-01", p("f"));
        assertEquals(Instant.parse("2262-04-11T23:47:15Z"), mtime(p("f")).truncatedTo(ChronoUnit.SECONDS));
        touch("1600-01-01", p("f"));
        assertEquals(Instant.parse("1677-09-21T00:12:44Z"), mtime(p("f")).truncatedTo(ChronoUnit.SECONDS));
    }

    /** With touch(1): Java's own setLastModifiedTime cannot pass a time before 1677 (it saturates). */
    private void touch(String date, String path) throws Exception {
        Process touch = new ProcessBuilder("touch", "-d", date, cluster.mountPoint() + path)
                .redirectErrorStream(true).start();
        String output = new String(touch.getInputStream().readAllBytes());
        assertEquals(0, touch.waitFor(), output);
    }

    private Instant mtime(String path) throws Exception {
        return Instant.EPOCH.plusNanos(ops.statUncached(path).mtimeNanos());
    }

    @Test
    void readdir_ofTheRoot_listsTheTestDirectories() throws Exception {
        List<String> names = ops.readdir("/");
        assertTrue(names.contains(base().substring(1)), names.toString());
    }

}
