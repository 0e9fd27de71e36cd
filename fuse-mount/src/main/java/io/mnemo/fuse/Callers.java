package io.mnemo.fuse;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import io.mnemo.core.model.Caller;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Who is calling: uid and gid come with every FUSE request; its header does not carry the
 * supplementary groups, so they are read from {@code /proc/PID/status} and cached briefly
 * per (pid, uid, gid), which a process keeps across many calls.
 */
final class Callers {
    private record Key(int pid, int uid, int gid) {}

    private final Cache<Key, Caller> recent = CacheBuilder.newBuilder()
            .expireAfterWrite(Duration.ofSeconds(1)).maximumSize(10_000).build();

    Caller of(int pid, int uid, int gid) {
        if (uid == 0) {
            return Caller.of(0, gid); // root passes every permission check; its groups do not matter
        }
        Key key = new Key(pid, uid, gid);
        Caller cached = recent.getIfPresent(key);
        if (cached != null) {
            return cached;
        }
        Caller caller = new Caller(uid, gid, groupsOf(pid));
        recent.put(key, caller);
        return caller;
    }

    private static List<Integer> groupsOf(int pid) {
        List<Integer> groups = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(pid), "status"))) {
                if (line.startsWith("Groups:")) {
                    for (String g : line.substring("Groups:".length()).trim().split("\\s+")) {
                        if (!g.isEmpty()) {
                            groups.add(Integer.parseInt(g));
                        }
                    }
                    break;
                }
            }
        } catch (IOException | NumberFormatException gone) {
            // The process has exited (or is not ours to read): it gets no supplementary groups.
        }
        return groups;
    }
}
