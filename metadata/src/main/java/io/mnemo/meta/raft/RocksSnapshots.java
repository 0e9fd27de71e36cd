package io.mnemo.meta.raft;

import io.mnemo.meta.store.MetaStore;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.SnapshotRetentionPolicy;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.impl.FileListSnapshotInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Snapshots as RocksDB checkpoints in the state machine's storage directory, one directory
 * {@code checkpoint-<term>_<index>} each. Only the newest is kept: the live database holds at
 * least its state, and the Raft log holds everything after it.
 */
final class RocksSnapshots implements StateMachineStorage {
    private static final Logger LOG = LoggerFactory.getLogger(RocksSnapshots.class);
    private static final Pattern NAME = Pattern.compile("checkpoint-(\\d+)_(\\d+)");

    private volatile Path dir;
    private volatile FileListSnapshotInfo latest;

    @Override
    public void init(RaftStorage storage) throws IOException {
        dir = storage.getStorageDir().getStateMachineDir().toPath();
        Files.createDirectories(dir);
        try (Stream<Path> children = Files.list(dir)) {
            for (Path p : children.toList()) {
                if (p.getFileName().toString().endsWith(".tmp")) {
                    deleteTree(p); // an interrupted checkpoint
                }
            }
        }
        latest = findLatest();
    }

    @Override
    public SnapshotInfo getLatestSnapshot() {
        return latest;
    }

    @Override
    public void format() {
    }

    @Override
    public void cleanupOldSnapshots(SnapshotRetentionPolicy policy) throws IOException {
        deleteAllBut(latest);
    }

    @Override
    public File getSnapshotDir() {
        return dir.toFile();
    }

    /** Checkpoints the store as the snapshot at {@code applied}; the store must be flushed up to it. */
    SnapshotInfo save(MetaStore store, TermIndex applied) throws IOException {
        FileListSnapshotInfo current = latest;
        if (current != null && current.getTermIndex().equals(applied)) {
            return current;
        }
        Path target = dir.resolve("checkpoint-" + applied.getTerm() + "_" + applied.getIndex());
        Path tmp = dir.resolve(target.getFileName() + ".tmp");
        deleteTree(tmp);
        store.checkpoint(tmp);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        FileListSnapshotInfo saved = describe(target, applied);
        latest = saved;
        deleteAllBut(saved);
        return saved;
    }

    private FileListSnapshotInfo findLatest() throws IOException {
        FileListSnapshotInfo best = null;
        try (Stream<Path> children = Files.list(dir)) {
            for (Path p : children.toList()) {
                Matcher m = NAME.matcher(p.getFileName().toString());
                if (m.matches() && Files.isDirectory(p)) {
                    TermIndex ti = TermIndex.valueOf(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
                    if (best == null || ti.compareTo(best.getTermIndex()) > 0) {
                        best = describe(p, ti);
                    }
                }
            }
        }
        return best;
    }

    private static FileListSnapshotInfo describe(Path checkpoint, TermIndex ti) throws IOException {
        List<FileInfo> files = new ArrayList<>();
        try (Stream<Path> all = Files.list(checkpoint)) {
            for (Path f : all.sorted().toList()) {
                files.add(new FileInfo(f, null));
            }
        }
        return new FileListSnapshotInfo(files, ti);
    }

    private void deleteAllBut(FileListSnapshotInfo keep) throws IOException {
        try (Stream<Path> children = Files.list(dir)) {
            for (Path p : children.toList()) {
                Matcher m = NAME.matcher(p.getFileName().toString());
                if (m.matches() && (keep == null || !p.getFileName().toString().equals(nameOf(keep.getTermIndex())))) {
                    LOG.debug("deleting old snapshot {}", p);
                    deleteTree(p);
                }
            }
        }
    }

    private static String nameOf(TermIndex ti) {
        return "checkpoint-" + ti.getTerm() + "_" + ti.getIndex();
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
