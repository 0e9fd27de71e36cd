package io.mnemo.meta.ops;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.Attributes;
import io.mnemo.core.model.Caller;
import io.mnemo.core.proto.Protos;
import io.mnemo.meta.store.Inode;

/**
 * Linux's permission rules for one caller, as {@code generic_permission}, {@code check_sticky}
 * and {@code inode_owner_or_capable} apply them. uid 0 may read and write anything and may
 * search or execute a directory or anything with an x bit; anybody else gets the owner's bits
 * if the inode is theirs, else the group's bits if its group is their gid or one of their
 * supplementary groups, else the others' bits, and only those (an owner without a bit is
 * refused even if others have it).
 */
final class Permissions {
    static final int READ = 4;
    static final int WRITE = 2;
    static final int EXEC = 1;
    static final int S_ISUID = 04000;
    static final int S_ISGID = 02000;
    static final int S_ISVTX = 01000;
    static final int S_IXGRP = 00010;

    private final Caller caller;

    private Permissions(Caller caller) {
        this.caller = caller;
    }

    /** The rules for the caller a request or command carries; none at all is root. */
    static Permissions of(io.mnemo.core.proto.Caller msg) {
        return new Permissions(Protos.fromMsg(msg));
    }

    int uid() {
        return caller.uid();
    }

    int gid() {
        return caller.gid();
    }

    boolean isRoot() {
        return caller.uid() == 0;
    }

    boolean owns(Inode inode) {
        return inode.attributes().uid() == caller.uid();
    }

    /** {@code inode_owner_or_capable}: the owner, or root. */
    boolean ownsOrIsRoot(Inode inode) {
        return isRoot() || owns(inode);
    }

    /** The gid is the caller's own or one of its supplementary groups (root's groups count too). */
    boolean inGroup(int gid) {
        return caller.gid() == gid || caller.groups().contains(gid);
    }

    /** Whether every bit of {@code mask} (READ, WRITE, EXEC; 0 asks nothing) is granted. */
    boolean allows(Inode inode, int mask) {
        if (mask == 0) {
            return true;
        }
        Attributes a = inode.attributes();
        if (isRoot()) {
            return (mask & EXEC) == 0 || a.isDirectory() || (a.mode() & 0111) != 0;
        }
        int bits;
        if (owns(inode)) {
            bits = a.mode() >> 6;
        } else if (inGroup(a.gid())) {
            bits = a.mode() >> 3;
        } else {
            bits = a.mode();
        }
        return (bits & mask) == mask;
    }

    /** EACCES unless every bit of {@code mask} is granted. */
    void require(Inode inode, int mask, String what) throws FsException {
        if (!allows(inode, mask)) {
            throw new FsException(Errno.EACCES, what + ": permission denied on " + inode.id());
        }
    }

    /** Search (x) permission on a directory, which every name looked up in it needs: EACCES. */
    void requireSearch(Inode dir) throws FsException {
        require(dir, EXEC, "search");
    }

    /** Write and search permission on a directory, which adding or removing a name needs: EACCES. */
    void requireModifiable(Inode dir) throws FsException {
        require(dir, WRITE | EXEC, "changing entries");
    }

    /**
     * What removing (or renaming, or renaming over) the entry of {@code victim} in {@code dir}
     * needs: write and search permission on the directory (EACCES), and in a sticky directory
     * the ownership of the victim or of the directory (EPERM); root may always.
     */
    void requireMayRemove(Inode dir, Inode victim) throws FsException {
        requireModifiable(dir);
        if ((dir.attributes().mode() & S_ISVTX) != 0 && !isRoot() && !owns(victim) && !owns(dir)) {
            throw new FsException(Errno.EPERM, "sticky " + dir.id() + ": " + victim.id() + " belongs to another user");
        }
    }

    /** EPERM unless the caller owns the inode or is root. */
    void requireOwner(Inode inode, String what) throws FsException {
        if (!ownsOrIsRoot(inode)) {
            throw new FsException(Errno.EPERM, what + ": " + inode.id() + " belongs to another user");
        }
    }

    /**
     * The mode bits a write or truncate by this caller leaves ({@code should_remove_suid}):
     * anybody but root drops S_ISUID, and S_ISGID where group execution makes it a real set-gid
     * (without S_IXGRP it only marks mandatory locking); only regular files have them dropped.
     */
    int modeAfterWrite(Inode inode) {
        int mode = inode.attributes().mode();
        if (isRoot() || !inode.attributes().isRegular()) {
            return mode;
        }
        mode &= ~S_ISUID;
        if ((mode & S_IXGRP) != 0) {
            mode &= ~S_ISGID;
        }
        return mode;
    }
}
