package io.mnemo.data.store;

import static java.nio.file.StandardOpenOption.CREATE_NEW;
import static java.nio.file.StandardOpenOption.DELETE_ON_CLOSE;
import static java.nio.file.StandardOpenOption.WRITE;

import com.sun.nio.file.ExtendedOpenOption;
import io.mnemo.core.net.BufferPool;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How chunk bytes reach their files and come back: the page-aligned middle of a large write, and
 * every small read, with {@code O_DIRECT}; a large write's unaligned edges, every small write and
 * every large read through the page cache.
 *
 * <p>Why: on the VM of BENCHMARKS.md, the first touch of a page of memory costs about 17 µs (the
 * host backs it then), and the page cache takes fresh pages for every chunk written, which are
 * handed back to the host when the file goes. A data node writing 1 GiB spent 4.7 s of system CPU
 * in {@code pwrite}. {@code dd} to the local disk: 248-313 MB/s with 2.7-3.7 s of system CPU
 * through the page cache, 587-683 MB/s with 0.16-0.25 s with {@code O_DIRECT}. A direct write
 * copies once into a buffer of a small pool that is reused, and leaves no second copy of a chunk in
 * the node's page cache (the mount's page cache already holds what its readers read).
 *
 * <p>Small reads (at most {@link #MAX_DIRECT_READ_BYTES}: a random reader's, which the client
 * fetches exactly) go direct too, into a page-aligned buffer of the {@link BufferPool}. Through the
 * page cache, a random 64 KiB block read took fresh pages and brought readahead nobody used: a
 * mount's random 4 KiB reads read 77 KiB from the disk each. Large reads (a sequential reader's
 * segments) stay buffered, as the disk's readahead helps them.
 *
 * <p>Buffered and direct access stay coherent: Linux drops the cached pages a direct write covers,
 * and writes back dirty pages in a range before reading it directly. Concurrent writes of one chunk
 * never share a page, as they lock disjoint 64 KiB blocks, and a read locks the blocks it reads.
 * Where {@code O_DIRECT} is refused (tmpfs, some network file systems), everything is buffered.
 */
final class DirectIo {
    private static final Logger LOG = LoggerFactory.getLogger(DirectIo.class);
    /** Writes whose aligned middle is smaller go through the page cache whole. */
    static final int MIN_DIRECT_BYTES = 256 * 1024;
    /** One direct write at most; the client sends chunk writes of up to 4 MiB. */
    private static final int BUFFER_BYTES = 4 << 20;
    /** Buffers per store; a write that finds none free goes through the page cache. */
    private static final int BUFFERS = 4;
    /** Reads of more bytes go through the page cache. */
    static final int MAX_DIRECT_READ_BYTES = 256 * 1024;

    /** The alignment {@code O_DIRECT} needs here, or 0 where it cannot be used. */
    private final int alignment;
    private final BlockingQueue<ByteBuffer> idle = new ArrayBlockingQueue<>(BUFFERS);
    private final AtomicInteger allocated = new AtomicInteger();
    private final LongAdder directBytes = new LongAdder();
    private final LongAdder directReads = new LongAdder();

    private DirectIo(int alignment) {
        this.alignment = alignment;
    }

    /** Direct writes into files under {@code dir}, if its file system takes them. */
    static DirectIo in(Path dir) {
        int alignment;
        try {
            alignment = Math.toIntExact(Files.getFileStore(dir).getBlockSize());
        } catch (IOException | UnsupportedOperationException | ArithmeticException e) {
            return off(dir, e.toString());
        }
        Path probe = dir.resolve(".direct-probe");
        ByteBuffer block = ByteBuffer.allocateDirect(2 * alignment).alignedSlice(alignment).limit(alignment);
        try {
            Files.deleteIfExists(probe);
            try (FileChannel channel = FileChannel.open(probe, CREATE_NEW, WRITE, DELETE_ON_CLOSE,
                    ExtendedOpenOption.DIRECT)) {
                channel.write(block, 0);
            }
        } catch (IOException | UnsupportedOperationException e) {
            return off(dir, e.toString());
        }
        return new DirectIo(alignment);
    }

    private static DirectIo off(Path dir, String why) {
        LOG.info("chunk writes in {} go through the page cache: O_DIRECT is not available ({})", dir, why);
        return new DirectIo(0);
    }

    boolean enabled() {
        return alignment > 0;
    }

    /** Bytes written with {@code O_DIRECT} so far. */
    long directBytes() {
        return directBytes.sum();
    }

    /** Reads made with {@code O_DIRECT} so far. */
    long directReads() {
        return directReads.sum();
    }

    /** Whether a read of {@code lengthBytes}, from the start of a block, goes direct. */
    boolean readsDirect(int lengthBytes) {
        return alignment > 0 && Checksums.BLOCK_BYTES % alignment == 0 && lengthBytes <= MAX_DIRECT_READ_BYTES;
    }

    /**
     * The capacity of a buffer for a direct read of {@code lengthBytes}: a multiple of the alignment,
     * and large enough to come from the {@link BufferPool}, whose memory starts on a page.
     */
    int readCapacity(int lengthBytes) {
        return Math.max(aligned(lengthBytes), BufferPool.MIN_POOLED_BYTES);
    }

    private int aligned(int lengthBytes) {
        return (lengthBytes + alignment - 1) / alignment * alignment;
    }

    /**
     * Reads {@code lengthBytes} at {@code position} (a multiple of the alignment) of {@code direct}
     * (open with {@code O_DIRECT}) into the empty {@code into} of {@link #readCapacity}, with zeros
     * past the end of the file. Answers false, having read nothing, if {@code into}'s memory is not
     * aligned.
     */
    boolean read(FileChannel direct, long position, int lengthBytes, ByteBuf into) throws IOException {
        ByteBuffer target = into.nioBufferCount() == 1 ? into.nioBuffer(0, aligned(lengthBytes)) : null;
        if (target == null || target.alignmentOffset(0, alignment) != 0) {
            return false;
        }
        int read = 0;
        while (target.hasRemaining()) {
            int n = direct.read(target, position + read);
            if (n <= 0) {
                break;
            }
            read += n;
            if (read % alignment != 0) {
                break; // the end of the file
            }
        }
        directReads.increment();
        into.writerIndex(Math.min(read, lengthBytes));
        into.writeZero(lengthBytes - into.writerIndex());
        return true;
    }

    /** The file's channel open with {@code O_DIRECT}, opened when first asked for. */
    @FunctionalInterface
    interface DirectChannel {
        FileChannel get() throws IOException;
    }

    /** Writes {@code data} (not consumed) at {@code position} of the file open as {@code buffered} and {@code direct}. */
    void write(FileChannel buffered, DirectChannel direct, ByteBuf data, long position) throws IOException {
        long end = position + data.readableBytes();
        long from = alignment == 0 ? 0 : (position + alignment - 1) / alignment * alignment;
        long to = alignment == 0 ? 0 : end / alignment * alignment;
        ByteBuffer buffer = to - from >= MIN_DIRECT_BYTES ? borrow() : null;
        if (buffer == null) {
            writeFully(buffered, data, data.readerIndex(), data.readableBytes(), position);
            return;
        }
        try {
            FileChannel channel = direct.get();
            int start = data.readerIndex();
            writeFully(buffered, data, start, (int) (from - position), position);
            for (long at = from; at < to; ) {
                int n = (int) Math.min(buffer.capacity(), to - at);
                buffer.clear().limit(n);
                data.getBytes(start + (int) (at - position), buffer);
                buffer.flip();
                while (buffer.hasRemaining()) {
                    at += channel.write(buffer, at);
                }
                directBytes.add(n);
            }
            writeFully(buffered, data, start + (int) (to - position), (int) (end - to), to);
        } finally {
            idle.offer(buffer);
        }
    }

    private ByteBuffer borrow() {
        ByteBuffer buffer = idle.poll();
        if (buffer == null && allocated.getAndUpdate(n -> n < BUFFERS ? n + 1 : n) < BUFFERS) {
            buffer = ByteBuffer.allocateDirect(BUFFER_BYTES + alignment).alignedSlice(alignment).limit(BUFFER_BYTES).slice();
        }
        return buffer;
    }

    private static void writeFully(FileChannel channel, ByteBuf data, int index, int length, long position)
            throws IOException {
        long at = position;
        for (ByteBuffer buffer : data.nioBuffers(index, length)) {
            while (buffer.hasRemaining()) {
                at += channel.write(buffer, at);
            }
        }
    }
}
