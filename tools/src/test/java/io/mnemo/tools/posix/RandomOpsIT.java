package io.mnemo.tools.posix;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.mnemo.core.client.FileHandle;
import io.mnemo.core.client.MnemoClient;
import io.mnemo.core.model.AttrChanges;
import io.mnemo.core.model.Attributes;
import io.mnemo.core.model.Caller;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.model.Name;
import io.mnemo.tools.LocalCluster;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded random writes, truncates and reads (and, on the mount, mmap reads and writes) at
 * offsets and sizes around the 4 MiB chunk boundaries of three files of up to 12 MiB, checked
 * against an in-memory model: after every operation its result and the file's length; after
 * some (every one on the mount) a window of bytes read back; every file whole every 10,000
 * (client) or 1,000 (mount) operations, and at the end through a new client or a new mount, so
 * that the bytes come from the data nodes.
 *
 * <p>The mount is served by {@code mnemo up} in its own process (see {@link UpProcess}).
 * The seed is printed; rerun one with {@code -Dmnemo.seed=N}. {@code -Dmnemo.randomops.client}
 * sets the number of operations through MnemoClient (default 100,000; with a given seed always
 * the same ones), {@code -Dmnemo.randomops.mountSeconds} the time spent on the mount (default 60).
 */
class RandomOpsIT {
    private static final int CHUNK = 4 * 1024 * 1024;
    private static final int MAX_SIZE = 3 * CHUNK;
    private static final int FILES = 3;
    private static final int CLIENT_FULL_CHECK_EVERY = 10_000;
    private static final int MOUNT_FULL_CHECK_EVERY = 1000;
    /** Client operations, per mille: write, read, truncate, flush, fsync, close and open, write through a second handle. */
    private static final int[] CLIENT_WEIGHTS = {560, 380, 15, 15, 3, 12, 15};
    /** Mount operations, per mille: write, read, truncate, mmap read, mmap write, fsync, close and open. */
    private static final int[] MOUNT_WEIGHTS = {300, 200, 80, 130, 130, 40, 120};
    private static final long SEED = Long.getLong("mnemo.seed", new Random().nextLong());
    private static final int CLIENT_OPS = Integer.getInteger("mnemo.randomops.client", 100_000);
    private static final long MOUNT_SECONDS = Long.getLong("mnemo.randomops.mountSeconds", 60);

    @TempDir
    Path tmp;

    /** What a file should hold. */
    private static final class Model {
        final byte[] bytes = new byte[MAX_SIZE];
        int length;

        void write(long offset, byte[] data) {
            System.arraycopy(data, 0, bytes, (int) offset, data.length);
            length = Math.max(length, (int) offset + data.length);
        }

        void truncate(long size) {
            if (size < length) {
                Arrays.fill(bytes, (int) size, length, (byte) 0);
            }
            length = (int) size;
        }

        byte[] read(long offset, int count) {
            if (offset >= length) {
                return new byte[0];
            }
            return Arrays.copyOfRange(bytes, (int) offset, (int) Math.min(length, offset + count));
        }
    }

    /** How many operations of each kind ran, and how long they took on average. */
    private static final class OpStats {
        private final String[] names;
        private final int[] counts;
        private final long[] nanos;

        OpStats(String... names) {
            this.names = names;
            this.counts = new int[names.length];
            this.nanos = new long[names.length];
        }

        void add(int kind, long elapsedNanos) {
            counts[kind]++;
            nanos[kind] += elapsedNanos;
        }

        @Override
        public String toString() {
            StringBuilder s = new StringBuilder();
            for (int i = 0; i < names.length; i++) {
                s.append(i == 0 ? "" : ", ").append(counts[i]).append(' ').append(names[i])
                        .append(String.format(" (%.2f ms)", counts[i] == 0 ? 0.0 : nanos[i] / 1e6 / counts[i]));
            }
            return s.toString();
        }
    }

    /** Offsets, sizes and data, biased towards the chunk boundaries. */
    private static final class Chooser {
        final Random random;
        private final byte[] pool = new byte[CHUNK];

        Chooser(long seed) {
            random = new Random(seed);
            random.nextBytes(pool);
        }

        /** One of the kinds, each as likely as its weight. */
        int kind(int[] weights) {
            int total = Arrays.stream(weights).sum();
            int at = random.nextInt(total);
            for (int k = 0; k < weights.length; k++) {
                at -= weights[k];
                if (at < 0) {
                    return k;
                }
            }
            throw new AssertionError();
        }

        /** Mostly small, as programs write; now and then up to 2 MiB. */
        int size() {
            int kind = random.nextInt(100);
            if (kind < 70) {
                return 1 + random.nextInt(4096);
            }
            if (kind < 95) {
                return 4096 + random.nextInt(60 * 1024);
            }
            if (kind < 99) {
                return 64 * 1024 + random.nextInt(448 * 1024);
            }
            return 512 * 1024 + random.nextInt(1536 * 1024);
        }

        /** An offset for {@code size} bytes that keeps the file within MAX_SIZE. */
        long offset(int size, int length) {
            int max = MAX_SIZE - size;
            int kind = random.nextInt(10);
            long at;
            if (kind < 5) {
                at = (1L + random.nextInt(3)) * CHUNK + random.nextInt(131072) - 65536 - (random.nextBoolean() ? size : 0);
            } else if (kind < 7) {
                at = length + random.nextInt(8192) - 4096;
            } else {
                at = random.nextInt(max + 1);
            }
            return Math.max(0, Math.min(max, at));
        }

        long newLength(int length) {
            int kind = random.nextInt(10);
            long at;
            if (kind < 4) {
                at = (long) random.nextInt(4) * CHUNK + random.nextInt(8192) - 4096;
            } else if (kind < 7) {
                at = length + random.nextInt(131072) - 65536;
            } else {
                at = random.nextInt(MAX_SIZE + 1);
            }
            return Math.max(0, Math.min(MAX_SIZE, at));
        }

        /** {@code size} random bytes, cut from a random place of a pool (cheaper than new random bytes). */
        byte[] data(int size) {
            int at = random.nextInt(pool.length - size + 1);
            return Arrays.copyOfRange(pool, at, at + size);
        }
    }

    /** What a read of {@code requested} bytes at {@code offset} returned is what the model holds there. */
    private static void assertSame(Model model, byte[] actual, long offset, int requested, String what) {
        byte[] expected = model.read(offset, requested);
        if (!Arrays.equals(expected, actual)) {
            int at = Arrays.mismatch(expected, actual);
            fail(what + ": " + actual.length + " bytes at " + offset + " differ from the model at byte " + (offset + at)
                    + " (model length " + model.length + ", expected " + expected.length + " bytes); seed " + SEED);
        }
    }

    // ================================================================== MnemoClient

    @Test
    void randomOps_throughMnemoClient_matchTheModel() throws Exception {
        System.out.printf("RandomOpsIT client: seed %d (rerun with -Dmnemo.seed=%d)%n", SEED, SEED);
        Chooser choose = new Chooser(SEED);
        Model[] models = new Model[FILES];
        InodeId[] inodes = new InodeId[FILES];
        FileHandle[] handles = new FileHandle[FILES];
        long start = System.nanoTime();
        try (LocalCluster cluster = LocalCluster.start(tmp.resolve("state"), 3)) {
            runClientOps(cluster, choose, models, inodes, handles, start);
        }
    }

    private static void runClientOps(LocalCluster cluster, Chooser choose, Model[] models, InodeId[] inodes,
            FileHandle[] handles, long start) throws Exception {
        Random random = choose.random;
        try (MnemoClient client = MnemoClient.connect(cluster.clientConfig())) {
            for (int i = 0; i < FILES; i++) {
                models[i] = new Model();
                Attributes a = client.createFile(InodeId.ROOT, Name.of("client-" + i), 0644, true, Caller.ROOT);
                inodes[i] = a.inode();
                handles[i] = client.open(a.inode(), PosixOps.O_RDWR, true, Caller.ROOT);
            }
            OpStats stats = new OpStats("write", "read", "truncate", "flush", "fsync", "reopen",
                    "second-handle write", "check");
            for (int op = 0; op < CLIENT_OPS; op++) {
                long t0 = System.nanoTime();
                int k = -1;
                int f = random.nextInt(FILES);
                Model model = models[f];
                String what;
                int kind = choose.kind(CLIENT_WEIGHTS);
                if (kind == 0) {
                    int size = choose.size();
                    long offset = choose.offset(size, model.length);
                    byte[] data = choose.data(size);
                    client.write(handles[f], offset, data, size);
                    model.write(offset, data);
                    what = "write " + size + " at " + offset;
                    k = 0;
                } else if (kind == 1) {
                    int size = choose.size();
                    long offset = choose.offset(size, model.length);
                    assertSame(model, client.read(handles[f], offset, size), offset, size, "read " + size + " at " + offset);
                    what = "read " + size + " at " + offset;
                    k = 1;
                } else if (kind == 2) {
                    long size = choose.newLength(model.length);
                    client.setattr(inodes[f], AttrChanges.NONE.withSize(size), Caller.ROOT);
                    model.truncate(size);
                    what = "truncate to " + size;
                    k = 2;
                } else if (kind == 3) {
                    client.flush(handles[f]);
                    what = "flush";
                    k = 3;
                } else if (kind == 4) {
                    client.fsync(handles[f]);
                    what = "fsync";
                    k = 4;
                } else if (kind == 5) {
                    client.release(handles[f]);
                    handles[f] = client.open(inodes[f], PosixOps.O_RDWR, false, Caller.ROOT);
                    what = "close and open";
                    k = 5;
                } else {
                    FileHandle second = client.open(inodes[f], PosixOps.O_WRONLY, false, Caller.ROOT);
                    int size = choose.size();
                    long offset = choose.offset(size, model.length);
                    byte[] data = choose.data(size);
                    client.write(second, offset, data, size);
                    model.write(offset, data);
                    client.release(second);
                    what = "write " + size + " at " + offset + " through a second handle";
                    k = 6;
                }
                long t1 = System.nanoTime();
                stats.add(k, t1 - t0);
                String context = "op " + op + " (" + what + ") on file " + f;
                assertEquals(model.length, client.getattr(inodes[f]).sizeBytes(), "length after " + context + "; seed " + SEED);
                if (random.nextInt(10) == 0) { // not after every op: reading sends buffered writes, and buffering is tested too
                    int window = 1 + random.nextInt(16384);
                    long at = choose.offset(window, model.length);
                    assertSame(model, client.read(handles[f], at, window), at, window, "window after " + context);
                }
                if (op % CLIENT_FULL_CHECK_EVERY == CLIENT_FULL_CHECK_EVERY - 1) {
                    for (int g = 0; g < FILES; g++) {
                        assertSame(models[g], client.read(handles[g], 0, MAX_SIZE), 0, MAX_SIZE, "file " + g + " after " + context);
                    }
                }
                stats.add(7, System.nanoTime() - t1);
            }
            for (int i = 0; i < FILES; i++) {
                client.release(handles[i]);
            }
            System.out.printf("RandomOpsIT client: %d ops in %.1f s: %s%n", CLIENT_OPS,
                    (System.nanoTime() - start) / 1e9, stats);
        }
        try (MnemoClient fresh = MnemoClient.connect(cluster.clientConfig())) {
            for (int i = 0; i < FILES; i++) {
                FileHandle h = fresh.open(inodes[i], PosixOps.O_RDONLY, false, Caller.ROOT);
                assertEquals(models[i].length, h.openedWith().sizeBytes(), "length of file " + i + " seen by a new client");
                assertSame(models[i], fresh.read(h, 0, MAX_SIZE), 0, MAX_SIZE, "file " + i + " through a new client");
                fresh.release(h);
            }
        }
    }

    // ================================================================== FUSE mount with mmap

    @Test
    void randomOps_throughTheMount_withMmap_matchTheModel() throws Exception {
        long seed = SEED + 1;
        System.out.printf("RandomOpsIT mount: seed %d (rerun with -Dmnemo.seed=%d)%n", seed, SEED);
        Chooser choose = new Chooser(seed);
        Path state = tmp.resolve("state");
        Path mnt = tmp.resolve("mnt");
        Model[] models = new Model[FILES];
        try (UpProcess up = UpProcess.start(state, mnt)) {
            runMountOps(mnt, choose, models, seed);
        }
        // Mount again: what the files hold now comes from the data nodes, not from the page cache.
        try (UpProcess again = UpProcess.start(state, mnt)) {
            for (int i = 0; i < FILES; i++) {
                try (FileChannel ch = FileChannel.open(mnt.resolve("mount-" + i))) {
                    assertEquals(models[i].length, ch.size(), "length of file " + i + " after remounting; seed " + seed);
                    assertSame(models[i], readFully(ch, 0, MAX_SIZE), 0, MAX_SIZE, "file " + i + " after remounting");
                }
            }
        }
    }

    private static void runMountOps(Path mnt, Chooser choose, Model[] models, long seed) throws IOException {
        Random random = choose.random;
        RandomAccessFile[] files = new RandomAccessFile[FILES];
        for (int i = 0; i < FILES; i++) {
            models[i] = new Model();
            files[i] = new RandomAccessFile(mnt.resolve("mount-" + i).toFile(), "rw");
        }
        OpStats stats = new OpStats("write", "read", "truncate", "mmap read", "mmap write", "fsync", "reopen",
                "check");
        long start = System.nanoTime();
        long deadline = start + MOUNT_SECONDS * 1_000_000_000L;
        int op = 0;
        try {
            for (; System.nanoTime() < deadline; op++) {
                long t0 = System.nanoTime();
                int k = -1;
                int f = random.nextInt(FILES);
                Model model = models[f];
                FileChannel ch = files[f].getChannel();
                String what;
                int kind = choose.kind(MOUNT_WEIGHTS);
                if (kind == 0) {
                    int size = choose.size();
                    long offset = choose.offset(size, model.length);
                    byte[] data = choose.data(size);
                    writeFully(ch, data, offset);
                    model.write(offset, data);
                    what = "write " + size + " at " + offset;
                    k = 0;
                } else if (kind == 1) {
                    int size = choose.size();
                    long offset = choose.offset(size, model.length);
                    assertSame(model, readFully(ch, offset, size), offset, size, "read " + size + " at " + offset);
                    what = "read " + size + " at " + offset;
                    k = 1;
                } else if (kind == 2) {
                    long size = choose.newLength(model.length);
                    files[f].setLength(size);
                    model.truncate(size);
                    what = "truncate to " + size;
                    k = 2;
                } else if (kind == 3) {
                    if (model.length == 0) {
                        continue;
                    }
                    int size = Math.min(model.length, choose.size());
                    long offset = Math.min(choose.offset(size, model.length), model.length - size);
                    MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_ONLY, offset, size);
                    byte[] got = new byte[size];
                    map.get(got);
                    unmap(map);
                    assertSame(model, got, offset, size, "mmap read " + size + " at " + offset);
                    what = "mmap read " + size + " at " + offset;
                    k = 3;
                } else if (kind == 4) {
                    if (model.length == 0) {
                        continue;
                    }
                    int size = Math.min(model.length, choose.size());
                    long offset = Math.min(choose.offset(size, model.length), model.length - size);
                    byte[] data = choose.data(size);
                    MappedByteBuffer map = ch.map(FileChannel.MapMode.READ_WRITE, offset, size);
                    map.put(data);
                    map.force();
                    unmap(map);
                    model.write(offset, data);
                    what = "mmap write " + size + " at " + offset;
                    k = 4;
                } else if (kind == 5) {
                    ch.force(true);
                    what = "fsync";
                    k = 5;
                } else {
                    files[f].close();
                    files[f] = new RandomAccessFile(mnt.resolve("mount-" + f).toFile(), "rw");
                    ch = files[f].getChannel();
                    what = "close and open";
                    k = 6;
                }
                long t1 = System.nanoTime();
                stats.add(k, t1 - t0);
                String context = "op " + op + " (" + what + ") on file " + f;
                assertEquals(model.length, ch.size(), "length after " + context + "; seed " + seed);
                int window = 1 + random.nextInt(16384);
                long at = choose.offset(window, model.length);
                assertSame(model, readFully(ch, at, window), at, window, "window after " + context);
                if (op % MOUNT_FULL_CHECK_EVERY == MOUNT_FULL_CHECK_EVERY - 1) {
                    for (int g = 0; g < FILES; g++) {
                        assertSame(models[g], readFully(files[g].getChannel(), 0, MAX_SIZE), 0, MAX_SIZE, "file " + g + " after " + context);
                    }
                }
                stats.add(7, System.nanoTime() - t1);
            }
        } finally {
            for (RandomAccessFile file : files) {
                file.close();
            }
        }
        System.out.printf("RandomOpsIT mount: %d ops in %.1f s: %s%n", op, (System.nanoTime() - start) / 1e9, stats);
    }

    private static void writeFully(FileChannel ch, byte[] data, long offset) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(data);
        while (buf.hasRemaining()) {
            ch.write(buf, offset + buf.position());
        }
    }

    private static byte[] readFully(FileChannel ch, long offset, int size) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(size);
        while (buf.hasRemaining()) {
            if (ch.read(buf, offset + buf.position()) < 0) {
                break;
            }
        }
        return Arrays.copyOf(buf.array(), buf.position());
    }

    /** Unmaps at once (the JDK otherwise waits for the garbage collector, and mappings pile up). */
    private static void unmap(MappedByteBuffer map) {
        try {
            if (unsafe == null) {
                Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
                Field theUnsafe = unsafeClass.getDeclaredField("theUnsafe");
                theUnsafe.setAccessible(true);
                unsafe = theUnsafe.get(null);
                invokeCleaner = unsafeClass.getMethod("invokeCleaner", ByteBuffer.class);
            }
            invokeCleaner.invoke(unsafe, map);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot unmap", e);
        }
    }

    private static Object unsafe;
    private static Method invokeCleaner;
}
