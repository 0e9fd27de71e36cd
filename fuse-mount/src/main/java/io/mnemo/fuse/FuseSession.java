package io.mnemo.fuse;

import com.kenai.jffi.MemoryIO;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel side of a mount, spoken directly: workers read requests from the {@code /dev/fuse}
 * descriptor, each handles one at a time and writes its reply. A worker is started whenever
 * none is idle, up to {@link #MAX_WORKERS}, so a slow call (a write waiting for buffer space)
 * never holds up the others. The session ends when the kernel says the mount is gone (ENODEV).
 *
 * <p>Speaking the protocol ourselves, rather than through libfuse 2, gives what libfuse 2
 * cannot: kernel inodes that are our inodes (so hard links share one, and an open unlinked
 * file keeps its attributes), 1 MiB reads and writes, and no per-call path building.
 */
final class FuseSession {
    private static final Logger LOG = LoggerFactory.getLogger(FuseSession.class);
    static final int MAX_WRITE_BYTES = 1 << 20;
    private static final int PAGE_BYTES = 4096;
    private static final int MAX_WORKERS = 16;
    private static final int MAX_BACKGROUND = 64;

    private static final int PROTOCOL_MAJOR = 7;
    private static final int PROTOCOL_MINOR = 38;
    private static final int ASYNC_READ = 1;
    private static final int BIG_WRITES = 1 << 5;
    private static final int PARALLEL_DIROPS = 1 << 18;
    private static final int MAX_PAGES = 1 << 22;
    private static final int DO_READDIRPLUS = 1 << 13;
    private static final int READDIRPLUS_AUTO = 1 << 14;
    private static final int HANDLE_KILLPRIV_V2 = 1 << 28;
    private static final int WANTED = ASYNC_READ | BIG_WRITES | PARALLEL_DIROPS | MAX_PAGES | HANDLE_KILLPRIV_V2
            | DO_READDIRPLUS | READDIRPLUS_AUTO;

    /** Answers one request by filling the reply's arguments, or fails with an errno. */
    interface Handler {
        void handle(FuseRequest request, FuseReply reply) throws Exception;
    }

    private final int fd;
    private final Handler handler;
    private final boolean debug;
    private int started; // workers ever started; guarded by this
    private final AtomicInteger idle = new AtomicInteger();
    private final AtomicInteger running = new AtomicInteger();
    private final CountDownLatch ended = new CountDownLatch(1);
    private volatile Throwable failure;

    FuseSession(int fd, Handler handler, boolean debug) {
        this.fd = fd;
        this.handler = handler;
        this.debug = debug;
    }

    void start() {
        startWorker();
    }

    boolean isRunning() {
        return ended.getCount() > 0;
    }

    /** Why the session ended other than by an unmount, or null. */
    Throwable failure() {
        return failure;
    }

    void awaitEnd() throws InterruptedException {
        ended.await();
    }

    boolean awaitEnd(long timeoutMillis) throws InterruptedException {
        return ended.await(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    private synchronized void startWorker() {
        if (started >= MAX_WORKERS || ended.getCount() == 0) {
            return;
        }
        running.incrementAndGet();
        Thread.ofPlatform().name("fuse-" + started++).daemon().start(this::work);
    }

    private void work() {
        FuseRequest request = new FuseRequest(MAX_WRITE_BYTES + PAGE_BYTES);
        FuseReply reply = new FuseReply(MAX_WRITE_BYTES + PAGE_BYTES);
        long in = MemoryIO.getInstance().getDirectBufferAddress(request.buffer());
        long out = MemoryIO.getInstance().getDirectBufferAddress(reply.buffer());
        int capacity = request.buffer().capacity();
        try {
            while (true) {
                idle.incrementAndGet();
                long n = LibC.INSTANCE.read(fd, in, capacity);
                int errno = n < 0 ? LibC.errno() : 0;
                if (idle.decrementAndGet() == 0) {
                    startWorker();
                }
                if (n < 0) {
                    if (errno == LibC.EINTR || errno == LibC.ENOENT || errno == LibC.EAGAIN) {
                        continue; // interrupted, or a request the kernel took back
                    }
                    if (errno != LibC.ENODEV) { // ENODEV: unmounted
                        failure = new IllegalStateException("reading /dev/fuse failed: errno " + errno);
                    }
                    return;
                }
                request.parse((int) n);
                serve(request, reply, out);
            }
        } catch (Throwable t) {
            failure = t;
            LOG.error("FUSE worker stopped", t);
        } finally {
            if (running.decrementAndGet() == 0) {
                ended.countDown();
            }
        }
    }

    private void serve(FuseRequest request, FuseReply reply, long out) {
        int opcode = request.opcode();
        switch (opcode) {
            case FuseOpcodes.FORGET, FuseOpcodes.BATCH_FORGET, FuseOpcodes.INTERRUPT -> {
                return; // no reply: nodes are inodes, so there is nothing to forget; calls are short
            }
            default -> { }
        }
        reply.reset();
        int errno;
        if (opcode == FuseOpcodes.INIT) {
            init(request, reply);
            errno = 0;
        } else if (opcode == FuseOpcodes.DESTROY) {
            errno = 0;
        } else {
            errno = FuseCall.run(opcode, request.nodeid(), () -> handler.handle(request, reply));
        }
        if (debug) {
            LOG.info("op {} node {} -> {}", opcode, request.nodeid(), errno == 0 ? "ok" : "errno " + errno);
        }
        int length = reply.seal(request.unique(), errno);
        if (LibC.INSTANCE.write(fd, out, length) < 0) {
            int e = LibC.errno();
            if (e != LibC.ENOENT) { // ENOENT: the caller was interrupted and no longer waits
                LOG.debug("reply to op {} not taken: errno {}", opcode, e);
            }
        }
    }

    /** Negotiates the protocol: what we want of what the kernel offers, and our sizes. */
    private static void init(FuseRequest request, FuseReply reply) {
        int major = request.u32();
        int minor = request.u32();
        int maxReadahead = request.u32();
        int offered = request.u32();
        if (major != PROTOCOL_MAJOR) {
            LOG.warn("kernel speaks FUSE {}.{}; answering as {}.{}", major, minor, PROTOCOL_MAJOR, PROTOCOL_MINOR);
        }
        reply.u32(PROTOCOL_MAJOR).u32(Math.min(minor, PROTOCOL_MINOR)).u32(maxReadahead).u32(offered & WANTED);
        reply.u16(MAX_BACKGROUND).u16(MAX_BACKGROUND * 3 / 4); // congestion threshold
        reply.u32(MAX_WRITE_BYTES).u32(1); // time granularity: nanoseconds
        reply.u16(MAX_WRITE_BYTES / PAGE_BYTES).u16(0); // max_pages, map_alignment
        reply.u32(0); // flags2
        for (int i = 0; i < 7; i++) {
            reply.u32(0);
        }
    }
}
