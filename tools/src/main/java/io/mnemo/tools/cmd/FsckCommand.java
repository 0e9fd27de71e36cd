package io.mnemo.tools.cmd;

import io.mnemo.core.client.MnemoClient;
import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code mnemo fsck}: checks a tree inside a mount, and with {@code --data} scrubs its chunks. */
@Command(name = "fsck", mixinStandardHelpOptions = true,
        description = {"Check a tree inside a Mnemo mount.",
                "Checks that every entry names a live inode and that link counts add up",
                "(directories always; files when PATH is the mount's root, where every name",
                "is seen). With --data, also reads every chunk of every file and checks it",
                "against its CRC32C checksums.",
                "Exits 0 when nothing is wrong, 1 when something is."})
public final class FsckCommand implements Callable<Integer> {
    private static final String VERIFY = MnemoClient.VERIFY_XATTR.substring("user.".length());

    @Parameters(paramLabel = "PATH", description = "A directory inside a Mnemo mount.")
    Path root;

    @Option(names = "--data", description = "Also scrub every file's chunks (reads all data).")
    boolean data;

    private long directories;
    private long files;
    private long problems;
    private long lastProgressNanos = System.nanoTime();

    @Override
    public Integer call() throws Exception {
        Path start = root.toAbsolutePath().normalize();
        MountPaths.requireInsideMount(start);
        if (!Files.isDirectory(start)) {
            throw new FsException(Errno.ENOTDIR, start + ": not a directory");
        }
        boolean wholeFileSystem = isMountRoot(start);
        Map<Object, long[]> namesPerInode = new HashMap<>(); // inode -> {names seen, st_nlink}
        Deque<long[]> subdirCounts = new ArrayDeque<>();
        Files.walkFileTree(start, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                directories++;
                subdirCounts.push(new long[] {0});
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                files++;
                if (attrs.isRegularFile()) {
                    int nlink = (Integer) Files.getAttribute(file, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
                    long[] seen = namesPerInode.computeIfAbsent(attrs.fileKey(), k -> new long[] {0, nlink});
                    seen[0]++;
                    if (data) {
                        scrub(file);
                    }
                }
                progress();
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                problem(file, "cannot be read: " + e.getMessage());
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                long subdirs = subdirCounts.pop()[0];
                if (!subdirCounts.isEmpty()) {
                    subdirCounts.peek()[0]++;
                }
                int nlink = (Integer) Files.getAttribute(dir, "unix:nlink", LinkOption.NOFOLLOW_LINKS);
                if (nlink != 2 + subdirs) {
                    problem(dir, "directory has link count " + nlink + " but " + subdirs + " subdirectories");
                }
                return FileVisitResult.CONTINUE;
            }
        });
        for (long[] seen : namesPerInode.values()) {
            if (seen[0] > seen[1] || (wholeFileSystem && seen[0] != seen[1])) {
                problems++;
                System.out.println("mnemo: a file has link count " + seen[1] + " but " + seen[0] + " names");
            }
        }
        System.out.printf("mnemo fsck: %d directories and %d files checked%s: %s%n", directories, files,
                data ? " (data scrubbed)" : "", problems == 0 ? "no problems" : problems == 1 ? "1 problem"
                        : problems + " problems");
        return problems == 0 ? 0 : 1;
    }

    private void scrub(Path file) throws IOException {
        UserDefinedFileAttributeView view = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class);
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        view.read(VERIFY, buffer);
        String verdict = new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
        if (!verdict.equals("ok")) {
            problem(file, verdict);
        }
    }

    private void problem(Path path, String what) {
        problems++;
        System.out.println("mnemo: " + path + ": " + what);
    }

    private void progress() {
        long now = System.nanoTime();
        if (now - lastProgressNanos > 1_000_000_000L) {
            lastProgressNanos = now;
            System.err.printf("mnemo fsck: %d directories, %d files so far...%n", directories, files);
        }
    }

    private static boolean isMountRoot(Path dir) throws IOException {
        String needle = " " + dir + " " + MountPaths.FS_TYPE + " ";
        return Files.readAllLines(Path.of("/proc/mounts")).stream().anyMatch(l -> l.contains(needle));
    }
}
