package io.mnemo.core.model;

import java.util.List;

/** Who performs an operation: the uid, gid and supplementary groups of the calling process. */
public record Caller(int uid, int gid, List<Integer> groups) {
    public static final Caller ROOT = new Caller(0, 0, List.of());

    public Caller {
        groups = List.copyOf(groups);
    }

    public static Caller of(int uid, int gid) {
        return new Caller(uid, gid, List.of());
    }
}
