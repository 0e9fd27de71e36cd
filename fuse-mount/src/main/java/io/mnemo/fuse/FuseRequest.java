package io.mnemo.fuse;

import io.mnemo.core.error.FsException;
import io.mnemo.core.model.Name;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * One request as the kernel wrote it into a worker's buffer: the {@code fuse_in_header}, then
 * the operation's arguments, read in order with {@link #u32}, {@link #u64}, {@link #name} and
 * friends. The buffer is reused for the worker's next request.
 */
final class FuseRequest {
    static final int HEADER_BYTES = 40;

    private final ByteBuffer in;
    private int opcode;
    private long unique;
    private long nodeid;
    private int uid;
    private int gid;
    private int pid;

    FuseRequest(int capacityBytes) {
        this.in = ByteBuffer.allocateDirect(capacityBytes).order(ByteOrder.nativeOrder());
    }

    ByteBuffer buffer() {
        return in;
    }

    /** Takes the {@code length} bytes the kernel just wrote. */
    void parse(int length) {
        in.clear().limit(length);
        in.getInt(); // len
        opcode = in.getInt();
        unique = in.getLong();
        nodeid = in.getLong();
        uid = in.getInt();
        gid = in.getInt();
        pid = in.getInt();
        in.getInt(); // total_extlen, padding
    }

    int opcode() {
        return opcode;
    }

    long unique() {
        return unique;
    }

    long nodeid() {
        return nodeid;
    }

    int uid() {
        return uid;
    }

    int gid() {
        return gid;
    }

    int pid() {
        return pid;
    }

    int u32() {
        return in.getInt();
    }

    long u64() {
        return in.getLong();
    }

    void skip(int bytes) {
        in.position(in.position() + bytes);
    }

    /** The next NUL-terminated name. */
    Name name() throws FsException {
        return Name.of(cstring());
    }

    /** The next NUL-terminated string, as bytes. */
    byte[] cstring() {
        int start = in.position();
        int end = start;
        while (end < in.limit() && in.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - start];
        in.get(start, bytes);
        in.position(Math.min(in.limit(), end + 1));
        return bytes;
    }

    String string() {
        return new String(cstring(), StandardCharsets.UTF_8);
    }

    /** The next {@code length} bytes, copied. */
    byte[] bytes(int length) {
        byte[] bytes = new byte[length];
        in.get(bytes);
        return bytes;
    }

    /** The next {@code length} bytes, in place: valid only until this request's reply is sent. */
    ByteBuffer slice(int length) {
        return in.slice(in.position(), length);
    }
}
