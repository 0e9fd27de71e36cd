package io.mnemo.tools.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;

/**
 * The bytes the I/O benchmark writes, so that it can check every byte it reads back. A file's
 * content is seeded random bytes repeating every {@link #PERIOD_BYTES}, with a 16-byte stamp at
 * every 4 KiB boundary: the file's number and the offset, both big-endian longs. Data from another
 * file, another offset, a hole or a stale page therefore never passes as right.
 */
final class DataPattern {
    static final int PAGE_BYTES = 4096;
    /** A multiple of the page size, so that buffers of whole periods keep their stamps' places. */
    static final int PERIOD_BYTES = 1 << 20;
    private static final int STAMP_BYTES = 16;

    private final byte[] random = new byte[PERIOD_BYTES];

    DataPattern(long seed) {
        new SplittableRandom(seed).nextBytes(random);
    }

    /** Fills {@code buffer} from its position to its limit with file {@code file}'s bytes from {@code offset}. */
    void fill(ByteBuffer buffer, long file, long offset) {
        int at = buffer.position();
        long o = offset;
        while (at < buffer.limit()) {
            int from = (int) (o % PERIOD_BYTES);
            int n = Math.min(buffer.limit() - at, PERIOD_BYTES - from);
            buffer.put(at, random, from, n);
            at += n;
            o += n;
        }
        stamp(buffer, file, offset);
    }

    /**
     * Rewrites only the stamps between {@code buffer}'s position and limit, for a buffer that
     * already holds some file's bytes from an offset congruent to {@code offset} modulo the
     * period: much cheaper than {@link #fill} when the same buffer serves block after block.
     */
    void stamp(ByteBuffer buffer, long file, long offset) {
        int start = buffer.position();
        int end = buffer.limit();
        long firstPage = Math.floorDiv(offset, PAGE_BYTES) * PAGE_BYTES;
        for (long page = firstPage; page < offset + (end - start); page += PAGE_BYTES) {
            int at = start + (int) (page - offset);
            if (at >= start && at + STAMP_BYTES <= end) {
                buffer.putLong(at, file);
                buffer.putLong(at + Long.BYTES, page);
            } else {
                for (int k = 0; k < STAMP_BYTES; k++) {
                    if (at + k >= start && at + k < end) {
                        buffer.put(at + k, stampByte(file, page, k));
                    }
                }
            }
        }
    }

    private static byte stampByte(long file, long page, int k) {
        long v = k < Long.BYTES ? file : page;
        return (byte) (v >>> (8 * (Long.BYTES - 1 - k % Long.BYTES)));
    }

    /**
     * Checks that {@code actual} (position to limit) equals {@code expected} (position to limit),
     * both holding a file's bytes from {@code offset}.
     *
     * @throws DataMismatchException naming the first byte that differs
     */
    static void check(ByteBuffer actual, ByteBuffer expected, long offset) throws DataMismatchException {
        int at = actual.mismatch(expected);
        if (at >= 0) {
            int a = actual.position() + at < actual.limit() ? actual.get(actual.position() + at) & 0xff : -1;
            int e = expected.position() + at < expected.limit() ? expected.get(expected.position() + at) & 0xff : -1;
            throw new DataMismatchException(String.format("byte %d of the file reads back as %s, but %s was written",
                    offset + at, a < 0 ? "nothing" : String.format("0x%02x", a),
                    e < 0 ? "nothing" : String.format("0x%02x", e)));
        }
    }

    /** Data read back is not what was written. */
    static final class DataMismatchException extends IOException {
        DataMismatchException(String message) {
            super(message);
        }
    }
}
