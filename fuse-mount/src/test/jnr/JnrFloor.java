import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import jnr.ffi.Pointer;
import jnr.ffi.types.mode_t;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import ru.serce.jnrfuse.ErrorCodes;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.FuseStubFS;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Timespec;

/**
 * The floor issue 3 names: an in-memory file system on jnr-fuse (libfuse 2's high-level,
 * path-based API, multithreaded) that does no I/O at all. It keeps names and modes in maps; its
 * files are always empty. Enough for {@code mnemo bench meta}; not a file system.
 *
 * <p>Run by hand with the source launcher (docs/BENCHMARKS.md has the commands):
 * {@code java -cp CLASSPATH JnrFloor.java MOUNTPOINT [MOUNT-OPTIONS]}; it serves until unmounted.
 */
public final class JnrFloor extends FuseStubFS {
    private final Map<String, Integer> modes = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Boolean>> dirs = new ConcurrentHashMap<>();

    private JnrFloor() {
        modes.put("/", FileStat.S_IFDIR | 0777);
        dirs.put("/", new ConcurrentHashMap<>());
    }

    public static void main(String[] args) {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: JnrFloor MOUNTPOINT [MOUNT-OPTIONS, e.g. default_permissions]");
            System.exit(2);
        }
        JnrFloor fs = new JnrFloor();
        String[] options = args.length == 2 ? new String[] {"-o", args[1]} : new String[0];
        try {
            fs.mount(Path.of(args[0]), true, false, options);
        } finally {
            fs.umount();
        }
    }

    private static String parent(String path) {
        int slash = path.lastIndexOf('/');
        return slash == 0 ? "/" : path.substring(0, slash);
    }

    private int add(String path, int mode) {
        Map<String, Boolean> siblings = dirs.get(parent(path));
        if (siblings == null) {
            return -ErrorCodes.ENOENT();
        }
        if (modes.putIfAbsent(path, mode) != null) {
            return -ErrorCodes.EEXIST();
        }
        siblings.put(path, true);
        return 0;
    }

    @Override
    public int getattr(String path, FileStat stat) {
        Integer mode = modes.get(path);
        if (mode == null) {
            return -ErrorCodes.ENOENT();
        }
        stat.st_mode.set(mode);
        stat.st_nlink.set((mode & FileStat.S_IFDIR) != 0 ? 2 : 1);
        stat.st_uid.set(getContext().uid.get());
        stat.st_gid.set(getContext().gid.get());
        return 0;
    }

    @Override
    public int create(String path, @mode_t long mode, FuseFileInfo fi) {
        return add(path, FileStat.S_IFREG | (int) (mode & 07777));
    }

    @Override
    public int mkdir(String path, @mode_t long mode) {
        dirs.putIfAbsent(path, new ConcurrentHashMap<>());
        return add(path, FileStat.S_IFDIR | (int) (mode & 07777));
    }

    @Override
    public int unlink(String path) {
        if (modes.remove(path) == null) {
            return -ErrorCodes.ENOENT();
        }
        dirs.get(parent(path)).remove(path);
        return 0;
    }

    @Override
    public int rmdir(String path) {
        Map<String, Boolean> children = dirs.get(path);
        if (children == null) {
            return -ErrorCodes.ENOENT();
        }
        if (!children.isEmpty()) {
            return -ErrorCodes.ENOTEMPTY();
        }
        dirs.remove(path);
        modes.remove(path);
        dirs.get(parent(path)).remove(path);
        return 0;
    }

    @Override
    public int open(String path, FuseFileInfo fi) {
        return modes.containsKey(path) ? 0 : -ErrorCodes.ENOENT();
    }

    @Override
    public int read(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
        return 0;
    }

    @Override
    public int truncate(String path, @off_t long size) {
        return 0;
    }

    @Override
    public int utimens(String path, Timespec[] timespec) {
        return 0;
    }

    @Override
    public int readdir(String path, Pointer buf, FuseFillDir filler, @off_t long offset, FuseFileInfo fi) {
        Map<String, Boolean> children = dirs.get(path);
        if (children == null) {
            return -ErrorCodes.ENOENT();
        }
        filler.apply(buf, ".", null, 0);
        filler.apply(buf, "..", null, 0);
        for (String child : children.keySet()) {
            filler.apply(buf, child.substring(child.lastIndexOf('/') + 1), null, 0);
        }
        return 0;
    }
}
