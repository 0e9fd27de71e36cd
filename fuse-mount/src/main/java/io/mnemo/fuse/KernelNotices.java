package io.mnemo.fuse;

import com.kenai.jffi.MemoryIO;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Notifications the kernel takes from us unasked, written to the {@code /dev/fuse} descriptor
 * like replies (unique 0, the notification's code where a reply has its error): here, dropping
 * a file's cached pages or attributes, and filling its pages. Safe for many threads; each writes
 * from a buffer of its own (the page header of {@link #dropPages} and the contents of
 * {@link #store} do not overlap in it, so a thread may drop a file's pages between filling and
 * storing its contents).
 */
final class KernelNotices {
    /** The most {@link #store} puts in the page cache at once. */
    static final int MAX_STORE_BYTES = 64 * 1024;
    private static final int INVAL_INODE = 2;
    private static final int STORE = 4;
    /** {@code fuse_notify_inval_inode_out} and {@code fuse_notify_store_out} are both 24 bytes. */
    private static final int ARGUMENT_BYTES = 24;
    private static final int DATA = FuseReply.HEADER_BYTES + ARGUMENT_BYTES;

    private final int fd;
    private final ThreadLocal<ByteBuffer> buffers = ThreadLocal.withInitial(
            () -> ByteBuffer.allocateDirect(DATA + MAX_STORE_BYTES).order(ByteOrder.nativeOrder()));

    KernelNotices(int fd) {
        this.fd = fd;
    }

    /**
     * Drops every cached page of {@code nodeid}, and its cached attributes. Answers false if the
     * kernel does not know the node.
     */
    boolean dropPages(long nodeid) {
        return invalidate(nodeid, 0); // from offset 0, length 0: to the end
    }

    /**
     * Drops the cached attributes of {@code nodeid} (its pages stay). Answers false if the kernel
     * does not know the node.
     */
    boolean dropAttributes(long nodeid) {
        return invalidate(nodeid, -1); // a negative offset: attributes only
    }

    /** {@code NOTIFY_INVAL_INODE}: the node's attributes, and its pages from {@code offset} on unless negative. */
    private boolean invalidate(long nodeid, long offset) {
        ByteBuffer b = buffers.get();
        header(b, DATA, INVAL_INODE);
        b.putLong(16, nodeid).putLong(24, offset).putLong(32, 0);
        return write(b, DATA);
    }

    /**
     * This thread's buffer for {@link #store}: the contents go from its position, at most
     * {@link #MAX_STORE_BYTES}.
     */
    ByteBuffer storeBuffer() {
        return buffers.get().clear().position(DATA);
    }

    /**
     * Puts the first {@code length} bytes of this thread's {@link #storeBuffer} in the page cache
     * of {@code nodeid} from offset 0, making the kernel's file size at least {@code length}. A
     * last partial page counts as read only if it ends the file as the kernel knows it. Answers
     * false if the kernel does not know the node.
     */
    boolean store(long nodeid, int length) {
        ByteBuffer b = buffers.get();
        header(b, DATA + length, STORE);
        b.putLong(16, nodeid).putLong(24, 0).putInt(32, length).putInt(36, 0);
        return write(b, DATA + length);
    }

    private static void header(ByteBuffer b, int length, int code) {
        b.putInt(0, length).putInt(4, code).putLong(8, 0);
    }

    private boolean write(ByteBuffer b, int length) {
        return LibC.INSTANCE.write(fd, MemoryIO.getInstance().getDirectBufferAddress(b), length) == length;
    }
}
