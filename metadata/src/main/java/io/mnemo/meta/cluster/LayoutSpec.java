package io.mnemo.meta.cluster;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import io.mnemo.core.model.Layout;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A layout asked for through the xattr {@value #XATTR} (like {@code lfs setstripe}): a chunk
 * size and a stripe count, either of which may be unset, meaning "the default". Its text is
 * {@code chunk_size=SIZE stripe=N}, keys in any order, separated by spaces or commas; SIZE is a
 * byte count with an optional {@code K} or {@code M} suffix (powers of 1024) and must be a power
 * of two from 64 KiB to 64 MiB; N is 0 or more, 0 meaning every chain. {@link #toString()} is
 * the normalized text that is stored, e.g. {@code chunk_size=4194304 stripe=8}.
 */
public record LayoutSpec(OptionalInt chunkSizeBytes, OptionalInt stripeCount) {
    /** The xattr through which directories and files expose their layout. */
    public static final String XATTR = "user.mnemo.layout";

    private static final Pattern ENTRY = Pattern.compile("([a-z_]+)=(\\d+)([KkMm]?)");
    private static final Pattern SEPARATORS = Pattern.compile("[\\s,]+");

    public LayoutSpec {
        if (chunkSizeBytes.isPresent() && !validChunkSize(chunkSizeBytes.getAsInt())) {
            throw new IllegalArgumentException("bad chunk size " + chunkSizeBytes.getAsInt());
        }
        if (stripeCount.isPresent() && stripeCount.getAsInt() < 0) {
            throw new IllegalArgumentException("bad stripe count " + stripeCount.getAsInt());
        }
    }

    /** Parses an xattr value; EINVAL (naming what is wrong) unless it is a valid layout with at least one key. */
    public static LayoutSpec parse(byte[] value) throws FsException {
        String text = new String(value, StandardCharsets.UTF_8).replace("\0", " ").strip();
        if (text.isEmpty()) {
            throw invalid("empty layout: give chunk_size=SIZE, stripe=N or both");
        }
        OptionalInt chunk = OptionalInt.empty();
        OptionalInt stripe = OptionalInt.empty();
        for (String entry : SEPARATORS.split(text)) {
            Matcher m = ENTRY.matcher(entry);
            if (!m.matches()) {
                throw invalid("bad layout entry '" + entry + "': expected chunk_size=SIZE or stripe=N");
            }
            switch (m.group(1)) {
                case "chunk_size" -> {
                    if (chunk.isPresent()) {
                        throw invalid("chunk_size given twice");
                    }
                    long bytes = number(m.group(2), m.group(3), "chunk_size");
                    if (bytes > Integer.MAX_VALUE || !validChunkSize((int) bytes)) {
                        throw invalid("chunk_size must be a power of two from 64K to 64M, not " + m.group(2) + m.group(3));
                    }
                    chunk = OptionalInt.of((int) bytes);
                }
                case "stripe" -> {
                    if (stripe.isPresent()) {
                        throw invalid("stripe given twice");
                    }
                    if (!m.group(3).isEmpty()) {
                        throw invalid("stripe is a count of chains, not a size: " + entry);
                    }
                    long count = number(m.group(2), "", "stripe");
                    if (count > Integer.MAX_VALUE) {
                        throw invalid("stripe " + count + " is too large");
                    }
                    stripe = OptionalInt.of((int) count);
                }
                default -> throw invalid("unknown layout key '" + m.group(1) + "': expected chunk_size or stripe");
            }
        }
        return new LayoutSpec(chunk, stripe);
    }

    /** A stored value, which may predate this code's rules: empty unless it parses. */
    public static Optional<LayoutSpec> parseStored(byte[] value) {
        try {
            return Optional.of(parse(value));
        } catch (FsException e) {
            return Optional.empty();
        }
    }

    /** The normalized text: the keys that are set, chunk size first, in bytes. */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        chunkSizeBytes.ifPresent(c -> text.append("chunk_size=").append(c));
        stripeCount.ifPresent(s -> text.append(text.isEmpty() ? "" : " ").append("stripe=").append(s));
        return text.toString();
    }

    public byte[] toBytes() {
        return toString().getBytes(StandardCharsets.UTF_8);
    }

    /** What getxattr of {@value #XATTR} answers for a regular file: its actual layout. */
    public static String describe(Layout layout) {
        return "chunk_size=" + layout.chunkSizeBytes() + " stripe=" + layout.stripeCount() + " chains="
                + layout.chains().stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    private static boolean validChunkSize(int bytes) {
        return bytes >= Layout.MIN_CHUNK_SIZE && bytes <= Layout.MAX_CHUNK_SIZE && Integer.bitCount(bytes) == 1;
    }

    private static long number(String digits, String suffix, String key) throws FsException {
        if (digits.length() > 12) {
            throw invalid(key + " " + digits + " is too large");
        }
        long n = Long.parseLong(digits);
        return switch (suffix) {
            case "K", "k" -> n << 10;
            case "M", "m" -> n << 20;
            default -> n;
        };
    }

    private static FsException invalid(String why) {
        return new FsException(Errno.EINVAL, XATTR + ": " + why);
    }
}
