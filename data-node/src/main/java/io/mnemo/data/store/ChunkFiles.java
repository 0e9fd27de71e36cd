package io.mnemo.data.store;

import static java.nio.file.StandardOpenOption.READ;
import static java.nio.file.StandardOpenOption.WRITE;

import io.mnemo.core.model.ChunkId;
import io.mnemo.core.model.InodeId;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/**
 * Where chunk files live, {@code <chunks dir>/<inode as 16 hex digits>/<index in decimal>}, and how
 * their bytes are read: a file shorter than its chunk's length reads as zeros past its end, like
 * the hole it would be, and it is the checksums' job to say whether that is right.
 */
final class ChunkFiles {
    private ChunkFiles() {}

    static Path inodeDir(Path root, InodeId inode) {
        return root.resolve(HexFormat.of().toHexDigits(inode.value()));
    }

    static Path chunkPath(Path root, ChunkId chunk) {
        return inodeDir(root, chunk.inode()).resolve(Long.toString(chunk.index()));
    }

    /** The inode a directory name holds, or null for a name that is not one. */
    static InodeId inodeOf(Path inodeDir) {
        String name = inodeDir.getFileName().toString();
        if (name.length() != 16 || !name.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return null;
        }
        long value = HexFormat.fromHexDigitsToLong(name);
        return value > 0 ? new InodeId(value) : null;
    }

    /** The chunk index a file name holds, or -1 for a name that is not one. */
    static long indexOf(Path file) {
        String name = file.getFileName().toString();
        if (name.isEmpty() || name.length() > 19 || !name.chars().allMatch(Character::isDigit)) {
            return -1;
        }
        try {
            return Long.parseLong(name);
        } catch (NumberFormatException tooLarge) {
            return -1;
        }
    }

    /** The inode's chunk files; none if it has no directory. */
    static List<Path> chunkFiles(Path inodeDir) throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(inodeDir)) {
            for (Path entry : entries) {
                if (indexOf(entry) >= 0 && Files.isRegularFile(entry)) {
                    files.add(entry);
                }
            }
        } catch (NoSuchFileException noChunks) {
            return List.of();
        }
        return files;
    }

    /** The file opened for reading and writing; null when there is none. */
    static FileChannel openIfPresent(Path file) throws IOException {
        try {
            return FileChannel.open(file, READ, WRITE);
        } catch (NoSuchFileException absent) {
            return null;
        }
    }

    /**
     * Reads the first {@code presentBytes} bytes of {@code block} into {@code into}; what the file
     * does not have (or all of it, for a null channel) reads as zeros.
     */
    static void readBlock(FileChannel channel, int block, int presentBytes, byte[] into) throws IOException {
        int got = 0;
        if (channel != null) {
            ByteBuffer target = ByteBuffer.wrap(into, 0, presentBytes);
            long position = Checksums.blockStart(block);
            while (target.hasRemaining()) {
                int read = channel.read(target, position + target.position());
                if (read <= 0) {
                    break; // past the end of the file
                }
            }
            got = target.position();
        }
        Arrays.fill(into, got, presentBytes, (byte) 0);
    }

    /** Appends {@code lengthBytes} from {@code position} to {@code into}, zeros past the file's end. */
    static void readFully(FileChannel channel, long position, int lengthBytes, ByteBuf into) throws IOException {
        int end = into.writerIndex() + lengthBytes;
        if (channel != null) {
            long at = position;
            while (into.writerIndex() < end) {
                int read = into.writeBytes(channel, at, end - into.writerIndex());
                if (read <= 0) {
                    break; // past the end of the file
                }
                at += read;
            }
        }
        into.writeZero(end - into.writerIndex());
    }
}
