package io.mnemo.tools.cmd;

import io.mnemo.core.error.Errno;
import io.mnemo.core.error.FsException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code mnemo layout}: how files are striped, read and set through the {@code user.mnemo.layout}
 * extended attribute on any path inside a mount (like Lustre's {@code lfs getstripe/setstripe}).
 */
@Command(name = "layout", mixinStandardHelpOptions = true,
        description = {"Show or set how files are striped over the data nodes.",
                "A directory's layout is inherited by the files and directories created",
                "under it; a file's layout is fixed once it has data. The same is readable",
                "and writable as the extended attribute user.mnemo.layout (getfattr/setfattr)."},
        subcommands = {LayoutCommand.Get.class, LayoutCommand.Set.class})
public final class LayoutCommand {
    static final String XATTR = "mnemo.layout"; // user.mnemo.layout without the namespace Java adds

    /** {@code mnemo layout get PATH}. */
    @Command(name = "get", mixinStandardHelpOptions = true,
            description = "Print the layout of a file, or the layout a directory gives new files.")
    static final class Get implements Callable<Integer> {
        @Parameters(paramLabel = "PATH", description = "A file or directory inside a Mnemo mount.")
        Path path;

        @Override
        public Integer call() throws Exception {
            String value = current(path);
            System.out.println(value.isEmpty() ? "default (no layout set here: new files get the cluster's defaults)"
                    : value);
            return 0;
        }
    }

    /** {@code mnemo layout set PATH --chunk-size 4M --stripe 8}. */
    @Command(name = "set", mixinStandardHelpOptions = true,
            description = {"Set the layout of a directory (for what is created under it from now on),",
                    "or of an empty file. An option not given keeps the value set there before."})
    static final class Set implements Callable<Integer> {
        private static final Pattern SIZE = Pattern.compile("\\d+[KkMm]?");

        @Parameters(paramLabel = "PATH", description = "A directory, or an empty file, inside a Mnemo mount.")
        Path path;

        @Option(names = "--chunk-size", paramLabel = "SIZE",
                description = "Bytes per chunk: a power of two from 64K to 64M, e.g. 4M.")
        String chunkSize;

        @Option(names = "--stripe", paramLabel = "N", description = "Chains to stripe over; 0 means all of them.")
        Integer stripe;

        @Override
        public Integer call() throws Exception {
            if (chunkSize == null && stripe == null) {
                throw new FsException(Errno.EINVAL, "layout set: give --chunk-size, --stripe or both");
            }
            if (chunkSize != null && !SIZE.matcher(chunkSize).matches()) {
                throw new FsException(Errno.EINVAL, "--chunk-size: expected a size like 1M or 65536, got '" + chunkSize + "'");
            }
            if (stripe != null && stripe < 0) {
                throw new FsException(Errno.EINVAL, "--stripe: must be 0 or more, got " + stripe);
            }
            // What is not given keeps the value set here before (the xattr replaces the whole layout).
            Map<String, String> fields = new LinkedHashMap<>();
            for (String field : current(path).split(" ")) {
                String[] kv = field.split("=", 2);
                if (kv.length == 2 && (kv[0].equals("chunk_size") || kv[0].equals("stripe"))) {
                    fields.put(kv[0], kv[1]);
                }
            }
            if (chunkSize != null) {
                fields.put("chunk_size", chunkSize);
            }
            if (stripe != null) {
                fields.put("stripe", stripe.toString());
            }
            StringBuilder value = new StringBuilder();
            fields.forEach((k, v) -> value.append(value.isEmpty() ? "" : " ").append(k).append('=').append(v));
            try {
                view(path).write(XATTR, ByteBuffer.wrap(value.toString().getBytes(StandardCharsets.UTF_8)));
            } catch (FileSystemException e) {
                throw failure(path, e);
            }
            Get get = new Get();
            get.path = path;
            return get.call();
        }
    }

    /** The layout set on {@code path} itself, or "" if none is. */
    private static String current(Path path) throws FsException {
        UserDefinedFileAttributeView view = view(path);
        try {
            ByteBuffer value = ByteBuffer.allocate(view.size(XATTR));
            view.read(XATTR, value);
            return new String(value.array(), 0, value.position(), StandardCharsets.UTF_8);
        } catch (FileSystemException e) {
            if (String.valueOf(e.getReason()).contains("No data available")) {
                return "";
            }
            throw failure(path, e);
        } catch (IOException e) {
            throw new FsException(Errno.EIO, path + ": " + e.getMessage());
        }
    }

    private static UserDefinedFileAttributeView view(Path path) throws FsException {
        MountPaths.requireInsideMount(path);
        UserDefinedFileAttributeView view = Files.getFileAttributeView(path, UserDefinedFileAttributeView.class);
        if (view == null) {
            throw new FsException(Errno.ENOTSUP, path + ": extended attributes not supported here");
        }
        return view;
    }

    private static FsException failure(Path path, IOException e) {
        String reason = e instanceof FileSystemException fse && fse.getReason() != null ? fse.getReason() : e.getMessage();
        if (reason.contains("Invalid argument")) {
            return new FsException(Errno.EINVAL, path + ": invalid layout (chunk size must be a power of two from 64K"
                    + " to 64M, stripe 0 or more; a file's layout cannot change once it has data)");
        }
        if (reason.contains("Operation not supported")) {
            return new FsException(Errno.ENOTSUP, path + ": not inside a Mnemo mount");
        }
        return new FsException(Errno.EIO, path + ": " + reason);
    }
}
