package io.mnemo.fuse;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The floor under {@code mnemo bench meta} and {@code bench io}'s small files: a file system
 * that keeps names, attributes and contents in memory and does nothing else, served through
 * Mnemo's own FUSE layer ({@link FuseSession}) with a mount's default options. What it reaches
 * is what the kernel, this machine and our FUSE layer allow; the gap between it and a Mnemo
 * mount is Mnemo's own cost. It checks no permissions itself (the kernel's
 * {@code default_permissions} does) and answers ENOSYS to what the benchmarks do not use.
 *
 * <p>Run by hand, not by the test suite (docs/BENCHMARKS.md has the command); it serves until
 * unmounted. {@code -Dfloor.noDefaultPermissions=true} mounts without {@code default_permissions}.
 */
public final class FloorFs implements FuseSession.Handler {
    private static final int S_IFDIR = 0040000;
    private static final int FATTR_SIZE = 1 << 3;
    private static final long ROOT = 1;
    private static final Contents EMPTY = new Contents(new byte[0], 0);

    private record Node(long ino, int mode, int uid, int gid, long nanos) {}

    /** A file's bytes: the first {@code size} of {@code bytes}, which grows by doubling. */
    private record Contents(byte[] bytes, int size) {
        Contents write(long offset, byte[] data) {
            int end = Math.toIntExact(offset + data.length);
            byte[] into = end <= bytes.length ? bytes : Arrays.copyOf(bytes, Math.max(end, 2 * bytes.length));
            System.arraycopy(data, 0, into, (int) offset, data.length);
            return new Contents(into, Math.max(size, end));
        }

        Contents truncate(long length) {
            return new Contents(Arrays.copyOf(bytes, Math.toIntExact(length)), (int) length);
        }
    }

    private final AtomicLong next = new AtomicLong(ROOT + 1);
    private final Map<Long, Node> nodes = new ConcurrentHashMap<>();
    private final Map<Long, Map<String, Long>> dirs = new ConcurrentHashMap<>();
    /** Files' contents; a file without an entry is empty. */
    private final Map<Long, Contents> contents = new ConcurrentHashMap<>();
    private final MountOptions options = MountOptions.DEFAULTS;

    private FloorFs() {
        nodes.put(ROOT, new Node(ROOT, S_IFDIR | 0755, 0, 0, System.currentTimeMillis() * 1_000_000));
        dirs.put(ROOT, new ConcurrentHashMap<>());
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: FloorFs MOUNTPOINT (an empty directory; serves until unmounted)");
            System.exit(2);
        }
        Path target = Path.of(args[0]).toAbsolutePath();
        MountOptions d = MountOptions.DEFAULTS;
        MountOptions options = new MountOptions(d.attrTimeout(), d.entryTimeout(), d.negativeTimeout(), d.allowOther(),
                !Boolean.getBoolean("floor.noDefaultPermissions"), false);
        int fd = Fusermount.mount(target, options);
        FuseSession session = new FuseSession(fd, new FloorFs(), false);
        session.start();
        System.out.println("floor mounted at " + target);
        session.awaitEnd();
    }

    @Override
    public void handle(FuseRequest req, FuseReply reply) throws Exception {
        long node = req.nodeid();
        switch (req.opcode()) {
            case FuseOpcodes.LOOKUP -> {
                Long ino = children(node).get(req.string());
                if (ino == null) {
                    StatFiller.negativeEntry(reply, options.negativeTimeout());
                } else {
                    entry(reply, nodes.get(ino));
                }
            }
            case FuseOpcodes.GETATTR -> attrOut(reply, existing(node));
            case FuseOpcodes.SETATTR -> {
                int valid = req.u32();
                req.skip(12);
                long size = req.u64();
                if ((valid & FATTR_SIZE) != 0) {
                    contents.compute(node, (k, old) -> (old == null ? EMPTY : old).truncate(size));
                }
                attrOut(reply, existing(node));
            }
            case FuseOpcodes.WRITE -> {
                req.skip(8);
                long offset = req.u64();
                int size = req.u32();
                req.skip(20);
                byte[] data = req.bytes(size);
                contents.compute(node, (k, old) -> (old == null ? EMPTY : old).write(offset, data));
                reply.u32(size).u32(0);
            }
            case FuseOpcodes.READ -> {
                req.skip(8);
                long offset = req.u64();
                int size = req.u32();
                Contents now = contents.getOrDefault(node, EMPTY);
                if (offset < now.size()) {
                    reply.buffer().put(now.bytes(), (int) offset, (int) Math.min(size, now.size() - offset));
                }
            }
            case FuseOpcodes.CREATE -> {
                req.skip(4); // flags
                int mode = req.u32();
                req.skip(8);
                entry(reply, add(node, req.string(), mode, req));
                reply.u64(0).u32(0).u32(0); // fuse_open_out: no handle, no flags
            }
            case FuseOpcodes.MKDIR -> {
                int mode = req.u32();
                req.skip(4);
                Node dir = add(node, req.string(), S_IFDIR | mode, req);
                dirs.put(dir.ino(), new ConcurrentHashMap<>());
                entry(reply, dir);
            }
            case FuseOpcodes.UNLINK, FuseOpcodes.RMDIR -> {
                Map<String, Long> children = children(node);
                String name = req.string();
                Long ino = children.get(name);
                if (ino == null) {
                    throw new FsException(Errno.ENOENT, "no such name");
                }
                if (!dirs.getOrDefault(ino, Map.of()).isEmpty()) {
                    throw new FsException(Errno.ENOTEMPTY, "not empty");
                }
                children.remove(name);
                nodes.remove(ino);
                dirs.remove(ino);
                contents.remove(ino);
            }
            case FuseOpcodes.OPEN, FuseOpcodes.OPENDIR -> reply.u64(0).u32(0).u32(0);
            case FuseOpcodes.READDIR, FuseOpcodes.READDIRPLUS -> { } // empty: the benchmark lists nothing
            case FuseOpcodes.FLUSH, FuseOpcodes.RELEASE, FuseOpcodes.RELEASEDIR, FuseOpcodes.ACCESS,
                    FuseOpcodes.FSYNC -> { }
            case FuseOpcodes.STATFS -> {
                reply.u64(1L << 28).u64(1L << 27).u64(1L << 27).u64(1L << 32).u64(1L << 31);
                reply.u32(4096).u32(255).u32(4096).u32(0);
                for (int i = 0; i < 6; i++) {
                    reply.u32(0);
                }
            }
            default -> throw new FsException(Errno.ENOSYS, "not in the floor");
        }
    }

    private Map<String, Long> children(long dir) throws FsException {
        Map<String, Long> children = dirs.get(dir);
        if (children == null) {
            throw new FsException(Errno.ENOTDIR, "not a directory");
        }
        return children;
    }

    private Node existing(long ino) throws FsException {
        Node n = nodes.get(ino);
        if (n == null) {
            throw new FsException(Errno.ESTALE, "gone");
        }
        return n;
    }

    private Node add(long dir, String name, int mode, FuseRequest req) throws FsException {
        Node n = new Node(next.getAndIncrement(), mode, req.uid(), req.gid(), System.currentTimeMillis() * 1_000_000);
        if (children(dir).putIfAbsent(name, n.ino()) != null) {
            throw new FsException(Errno.EEXIST, "exists");
        }
        nodes.put(n.ino(), n);
        return n;
    }

    private void entry(FuseReply reply, Node n) {
        reply.u64(n.ino()).u64(0).u64(1).u64(1).u32(0).u32(0);
        attr(reply, n);
    }

    private void attrOut(FuseReply reply, Node n) {
        reply.u64(1).u32(0).u32(0);
        attr(reply, n);
    }

    private void attr(FuseReply reply, Node n) {
        long size = contents.getOrDefault(n.ino(), EMPTY).size();
        reply.u64(n.ino()).u64(size).u64((size + 511) / 512);
        reply.u64(n.nanos() / 1_000_000_000).u64(n.nanos() / 1_000_000_000).u64(n.nanos() / 1_000_000_000);
        reply.u32(0).u32(0).u32(0);
        reply.u32(n.mode()).u32((n.mode() & S_IFDIR) != 0 ? 2 : 1).u32(n.uid()).u32(n.gid()).u32(0);
        reply.u32(4096).u32(0);
    }
}
