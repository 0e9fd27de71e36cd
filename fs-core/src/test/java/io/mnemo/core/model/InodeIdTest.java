package io.mnemo.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class InodeIdTest {
    private static final long MAX_SEQUENCE = (1L << 48) - 1;

    @Test
    void root_isSequenceOneOfPartitionZero() {
        assertEquals(1, InodeId.ROOT.value());
        assertEquals(0, InodeId.ROOT.partition());
        assertEquals(1, InodeId.ROOT.sequence());
        assertEquals(InodeId.ROOT, InodeId.of(0, 1));
    }

    @Test
    void of_packsPartitionIntoTheTop16Bits() {
        InodeId id = InodeId.of(3, 42);

        assertEquals((3L << 48) | 42, id.value());
        assertEquals(3, id.partition());
        assertEquals(42, id.sequence());
    }

    @ParameterizedTest
    @CsvSource({"0, 1", "1, 1", "0, 281474976710655", "32767, 281474976710655", "258, 1099511627776"})
    void of_partitionAndSequence_roundTrip(int partition, long sequence) {
        InodeId id = InodeId.of(partition, sequence);

        assertEquals(partition, id.partition());
        assertEquals(sequence, id.sequence());
        assertEquals(id, new InodeId(id.value()));
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -1, Long.MIN_VALUE})
    void new_nonPositiveValue_isRejected(long value) {
        assertThrows(IllegalArgumentException.class, () -> new InodeId(value));
    }

    @ParameterizedTest
    @CsvSource({"0, 0", "0, -1", "-1, 1", "65536, 1", "0, 281474976710656", "1, 0"})
    void of_outOfRangePartitionOrSequence_isRejected(int partition, long sequence) {
        assertThrows(IllegalArgumentException.class, () -> InodeId.of(partition, sequence));
    }

    @Test
    void compareTo_ordersByPartitionThenSequence() {
        assertTrue(InodeId.of(0, MAX_SEQUENCE).compareTo(InodeId.of(1, 1)) < 0);
        assertTrue(InodeId.of(1, 2).compareTo(InodeId.of(1, 1)) > 0);
        assertEquals(0, InodeId.of(5, 5).compareTo(new InodeId((5L << 48) | 5)));
    }
}
