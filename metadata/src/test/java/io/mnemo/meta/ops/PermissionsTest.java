package io.mnemo.meta.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.Attributes;
import io.mnemo.core.model.FileType;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.proto.Caller;
import io.mnemo.meta.store.Inode;
import org.junit.jupiter.api.Test;

/** The class selection and special cases of Linux's permission rules. */
class PermissionsTest {
    static final Permissions OWNER = Permissions.of(Caller.newBuilder().setUid(10).setGid(50).build());
    static final Permissions GROUP_MEMBER = Permissions.of(Caller.newBuilder().setUid(11).setGid(20).build());
    static final Permissions SUPPLEMENTARY = Permissions.of(Caller.newBuilder().setUid(12).setGid(60)
            .addGroups(61).addGroups(20).build());
    static final Permissions OTHER = Permissions.of(Caller.newBuilder().setUid(13).setGid(70).addGroups(71).build());
    static final Permissions ROOT = Permissions.of(Caller.getDefaultInstance());

    /** An inode owned by uid 10, group 20. */
    static Inode inode(FileType type, int mode) {
        return new Inode(new Attributes(new InodeId(5), type, mode, 10, 20, 1, 0, 0, 0, 0, 0, null, null),
                type == FileType.DIRECTORY ? InodeId.ROOT : null);
    }

    @Test
    void ownerBits_forTheOwner_groupBits_forGidOrSupplementaryGroup_otherwiseOtherBits() {
        Inode f = inode(FileType.REGULAR, 0421);
        assertTrue(OWNER.allows(f, Permissions.READ));
        assertFalse(OWNER.allows(f, Permissions.WRITE));
        assertTrue(GROUP_MEMBER.allows(f, Permissions.WRITE));
        assertFalse(GROUP_MEMBER.allows(f, Permissions.READ));
        assertTrue(SUPPLEMENTARY.allows(f, Permissions.WRITE));
        assertTrue(OTHER.allows(f, Permissions.EXEC));
        assertFalse(OTHER.allows(f, Permissions.READ | Permissions.EXEC));
        assertTrue(OTHER.allows(f, 0), "mask 0 asks nothing");
    }

    @Test
    void onlyTheFirstMatchingClassCounts() {
        Inode f = inode(FileType.REGULAR, 0077);
        assertFalse(OWNER.allows(f, Permissions.READ), "the owner gets the owner's bits, not the others'");
        Inode g = inode(FileType.REGULAR, 0707);
        assertFalse(GROUP_MEMBER.allows(g, Permissions.READ));
        assertTrue(OTHER.allows(g, Permissions.READ));
    }

    @Test
    void root_readsAndWritesAnything_butExecutesOnlyWithAnXBitOrADirectory() {
        assertTrue(ROOT.allows(inode(FileType.REGULAR, 0), Permissions.READ | Permissions.WRITE));
        assertFalse(ROOT.allows(inode(FileType.REGULAR, 0666), Permissions.EXEC));
        assertTrue(ROOT.allows(inode(FileType.REGULAR, 0001), Permissions.EXEC));
        assertTrue(ROOT.allows(inode(FileType.DIRECTORY, 0), Permissions.EXEC | Permissions.WRITE));
    }

    @Test
    void require_isEacces() {
        FsException e = assertThrows(FsException.class, () -> OTHER.require(inode(FileType.REGULAR, 0640),
                Permissions.READ, "read"));
        assertEquals(Errno.EACCES, e.errno());
    }

    @Test
    void stickyDirectory_letsOnlyTheOwnersOfEntryOrDirectoryOrRootRemove() throws Exception {
        Inode sticky = inode(FileType.DIRECTORY, 01777); // owned by uid 10
        Inode othersFile = new Inode(new Attributes(new InodeId(6), FileType.REGULAR, 0644, 13, 70, 1, 0, 0, 0, 0, 0,
                null, null), null);
        assertEquals(Errno.EPERM, assertThrows(FsException.class,
                () -> GROUP_MEMBER.requireMayRemove(sticky, othersFile)).errno());
        OTHER.requireMayRemove(sticky, othersFile); // its own file
        OWNER.requireMayRemove(sticky, othersFile); // the directory's owner
        ROOT.requireMayRemove(sticky, othersFile);
        GROUP_MEMBER.requireMayRemove(inode(FileType.DIRECTORY, 0777), othersFile); // not sticky
        assertEquals(Errno.EACCES, assertThrows(FsException.class,
                () -> OTHER.requireMayRemove(inode(FileType.DIRECTORY, 01775), othersFile)).errno(),
                "write permission is checked before the sticky bit");
    }

    @Test
    void aWriteByAnybodyButRoot_dropsSetuid_andSetgidWhenGroupExecutable() {
        assertEquals(0755, OWNER.modeAfterWrite(inode(FileType.REGULAR, 06755)));
        assertEquals(02745, OWNER.modeAfterWrite(inode(FileType.REGULAR, 06745)), "set-gid without g+x stays");
        assertEquals(06755, ROOT.modeAfterWrite(inode(FileType.REGULAR, 06755)));
        assertEquals(06755, OWNER.modeAfterWrite(inode(FileType.DIRECTORY, 06755)));
    }
}
