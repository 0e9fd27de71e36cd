package io.mnemo.core.error;

/** Linux errno values, the one error vocabulary of the whole system. */
public enum Errno {
    EPERM(1), ENOENT(2), EIO(5), EBADF(9), EAGAIN(11), ENOMEM(12), EACCES(13), EBUSY(16),
    EEXIST(17), EXDEV(18), ENOTDIR(20), EISDIR(21), EINVAL(22), EFBIG(27), ENOSPC(28),
    EROFS(30), EMLINK(31), ERANGE(34), ENAMETOOLONG(36), ENOSYS(38), ENOTEMPTY(39),
    ELOOP(40), ENODATA(61), EPROTO(71), EOVERFLOW(75), ENOTSUP(95), ETIMEDOUT(110),
    ECONNREFUSED(111), ESTALE(116);

    private final int code;

    Errno(int code) {
        this.code = code;
    }

    /** The Linux number, as FUSE wants it negated. */
    public int code() {
        return code;
    }

    /** The errno for a number received on the wire; unknown numbers become {@link #EIO}. */
    public static Errno fromCode(int code) {
        for (Errno e : values()) {
            if (e.code == code) {
                return e;
            }
        }
        return EIO;
    }
}
