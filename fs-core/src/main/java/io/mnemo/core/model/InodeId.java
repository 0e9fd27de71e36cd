package io.mnemo.core.model;

/**
 * A typed inode number. The top 16 bits name the metadata partition that owns the inode (0 to
 * {@link #MAX_PARTITION}: the sign bit stays clear so every id is positive), the low 48 bits a
 * sequence within that partition; the root is inode 1 in partition 0.
 */
public record InodeId(long value) implements Comparable<InodeId> {
    public static final InodeId ROOT = new InodeId(1);
    public static final int MAX_PARTITION = 0x7FFF;
    private static final int PARTITION_SHIFT = 48;
    private static final long SEQUENCE_MASK = (1L << PARTITION_SHIFT) - 1;

    public InodeId {
        if (value <= 0) {
            throw new IllegalArgumentException("inode ids are positive: " + value);
        }
    }

    public static InodeId of(int partition, long sequence) {
        if (partition < 0 || partition > MAX_PARTITION || sequence <= 0 || sequence > SEQUENCE_MASK) {
            throw new IllegalArgumentException("bad inode partition/sequence " + partition + "/" + sequence);
        }
        return new InodeId(((long) partition << PARTITION_SHIFT) | sequence);
    }

    public int partition() {
        return (int) (value >>> PARTITION_SHIFT);
    }

    public long sequence() {
        return value & SEQUENCE_MASK;
    }

    @Override
    public int compareTo(InodeId other) {
        return Long.compareUnsigned(value, other.value);
    }

    @Override
    public String toString() {
        return "inode " + value;
    }
}
