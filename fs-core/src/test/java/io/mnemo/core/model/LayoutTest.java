package io.mnemo.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class LayoutTest {

    @Test
    void chainOf_rotatesThroughTheChains() {
        Layout layout = new Layout(Layout.DEFAULT_CHUNK_SIZE, 3, List.of(7, 8, 9));

        assertEquals(7, layout.chainOf(0));
        assertEquals(8, layout.chainOf(1));
        assertEquals(9, layout.chainOf(2));
        assertEquals(7, layout.chainOf(3));
        assertEquals(9, layout.chainOf(5));
        assertEquals(8, layout.chainOf(3_000_000_001L));
    }

    @Test
    void chainOf_singleStripe_isAlwaysThatChain() {
        Layout layout = new Layout(Layout.MIN_CHUNK_SIZE, 1, List.of(4));

        assertEquals(4, layout.chainOf(0));
        assertEquals(4, layout.chainOf(Long.MAX_VALUE));
    }

    @Test
    void chunkIndexOf_dividesByChunkSize() {
        Layout layout = new Layout(1 << 20, 2, List.of(1, 2));

        assertEquals(0, layout.chunkIndexOf(0));
        assertEquals(0, layout.chunkIndexOf((1 << 20) - 1));
        assertEquals(1, layout.chunkIndexOf(1 << 20));
        assertEquals(5L << 20, layout.chunkIndexOf(5L << 40));
    }

    @ParameterizedTest
    @ValueSource(ints = {65536, 131072, 4 << 20, 64 << 20})
    void new_powerOfTwoChunkSizeInRange_isAccepted(int chunkSizeBytes) {
        assertEquals(chunkSizeBytes, new Layout(chunkSizeBytes, 1, List.of(1)).chunkSizeBytes());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -65536, 32768, 65535, 3 << 20, 128 << 20, Integer.MIN_VALUE})
    void new_badChunkSize_isRejected(int chunkSizeBytes) {
        assertThrows(IllegalArgumentException.class, () -> new Layout(chunkSizeBytes, 1, List.of(1)));
    }

    @Test
    void new_stripeCountNotMatchingChains_isRejected() {
        assertThrows(IllegalArgumentException.class, () -> new Layout(Layout.DEFAULT_CHUNK_SIZE, 2, List.of(1, 2, 3)));
        assertThrows(IllegalArgumentException.class, () -> new Layout(Layout.DEFAULT_CHUNK_SIZE, 4, List.of(1, 2, 3)));
        assertThrows(IllegalArgumentException.class, () -> new Layout(Layout.DEFAULT_CHUNK_SIZE, 0, List.of()));
        assertThrows(IllegalArgumentException.class, () -> new Layout(Layout.DEFAULT_CHUNK_SIZE, -1, List.of()));
    }

    @Test
    void new_copiesTheChains() {
        List<Integer> chains = new ArrayList<>(List.of(1, 2));
        Layout layout = new Layout(Layout.DEFAULT_CHUNK_SIZE, 2, chains);

        chains.set(0, 99);

        assertEquals(1, layout.chainOf(0));
        assertThrows(UnsupportedOperationException.class, () -> layout.chains().set(0, 99));
    }
}
