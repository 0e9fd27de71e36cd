package io.mnemo.meta.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.Layout;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class LayoutSpecTest {
    static LayoutSpec parse(String text) throws FsException {
        return LayoutSpec.parse(text.getBytes(StandardCharsets.UTF_8));
    }

    static void assertInvalid(String text) {
        FsException e = assertThrows(FsException.class, () -> parse(text), text);
        assertEquals(Errno.EINVAL, e.errno(), text);
    }

    @Test
    void parse_acceptsByteCountsAndSuffixes_inAnyOrder_andNormalizes() throws Exception {
        assertEquals("chunk_size=4194304 stripe=8", parse("chunk_size=4M stripe=8").toString());
        assertEquals("chunk_size=4194304 stripe=8", parse("stripe=8 chunk_size=4194304").toString());
        assertEquals("chunk_size=65536", parse("chunk_size=64K").toString());
        assertEquals("chunk_size=65536", parse("chunk_size=64k\n").toString());
        assertEquals("chunk_size=67108864 stripe=1", parse("  chunk_size=64m,stripe=1 ").toString());
        assertEquals("stripe=0", parse("stripe=0").toString());
        assertEquals("stripe=3", parse("stripe=3\0").toString(), "a C string's NUL is tolerated");
        assertEquals(new LayoutSpec(OptionalInt.empty(), OptionalInt.of(3)), parse("stripe=3"));
        assertEquals(new LayoutSpec(OptionalInt.of(1 << 20), OptionalInt.empty()), parse("chunk_size=1M"));
    }

    @Test
    void parse_rejectsBadSizes_counts_keys_andShapes() {
        assertInvalid("");
        assertInvalid("   ");
        assertInvalid("chunk_size=3M");          // not a power of two
        assertInvalid("chunk_size=32K");         // too small
        assertInvalid("chunk_size=128M");        // too large
        assertInvalid("chunk_size=99999999999999M");
        assertInvalid("chunk_size=4G");
        assertInvalid("chunk_size=");
        assertInvalid("stripe=-1");
        assertInvalid("stripe=4K");
        assertInvalid("stripe=99999999999");
        assertInvalid("stripe=1 stripe=2");
        assertInvalid("chunk_size=1M chunk_size=1M");
        assertInvalid("color=blue");
        assertInvalid("stripe 8");
        assertInvalid("STRIPE=8");
    }

    @Test
    void describe_namesTheChains() {
        assertEquals("chunk_size=4194304 stripe=3 chains=1,2,3", LayoutSpec.describe(new Layout(4 << 20, 3, List.of(1, 2, 3))));
    }
}
