package io.mnemo.core.model;

/**
 * What a setattr changes: each null field is left alone. A time is either a value in
 * nanoseconds or "now" (the server's clock at the moment it applies the change).
 */
public record AttrChanges(
        Integer mode, Integer uid, Integer gid, Long sizeBytes,
        Long atimeNanos, boolean atimeNow, Long mtimeNanos, boolean mtimeNow) {

    public static final AttrChanges NONE = new AttrChanges(null, null, null, null, null, false, null, false);

    public AttrChanges withMode(int newMode) {
        return new AttrChanges(newMode, uid, gid, sizeBytes, atimeNanos, atimeNow, mtimeNanos, mtimeNow);
    }

    public AttrChanges withOwner(Integer newUid, Integer newGid) {
        return new AttrChanges(mode, newUid, newGid, sizeBytes, atimeNanos, atimeNow, mtimeNanos, mtimeNow);
    }

    public AttrChanges withSize(long newSize) {
        return new AttrChanges(mode, uid, gid, newSize, atimeNanos, atimeNow, mtimeNanos, mtimeNow);
    }

    public AttrChanges withAtime(Long nanos, boolean now) {
        return new AttrChanges(mode, uid, gid, sizeBytes, nanos, now, mtimeNanos, mtimeNow);
    }

    public AttrChanges withMtime(Long nanos, boolean now) {
        return new AttrChanges(mode, uid, gid, sizeBytes, atimeNanos, atimeNow, nanos, now);
    }
}
