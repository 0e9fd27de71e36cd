package io.mnemo.tools;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Ten thousand files in one directory, listed exactly (paged readdir through FUSE). */
class HugeDirectoryIT {
    @RegisterExtension
    static final MountedCluster cluster = new MountedCluster(3);

    @Test
    void tenThousandFiles_listExactly() throws Exception {
        Path dir = Files.createDirectory(cluster.mountPoint().resolve("many"));
        Set<String> expected = IntStream.range(0, 10_000).mapToObj(i -> "file-" + i).collect(Collectors.toCollection(TreeSet::new));
        for (String name : expected) {
            Files.createFile(dir.resolve(name));
        }

        Set<String> listed;
        try (Stream<Path> entries = Files.list(dir)) {
            listed = entries.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
        assertEquals(expected, listed);
        // ls -f includes . and .., and repeats or skips nothing across readdir pages.
        assertEquals("10002", Shell.run(dir, "ls -f | wc -l").trim());
        assertEquals("10000", Shell.run(dir, "ls -f | grep -v '^\\.\\.\\?$' | sort -u | wc -l").trim());
        assertEquals(2, Files.getAttribute(dir, "unix:nlink"), "a directory without subdirectories has 2 links");
    }
}
