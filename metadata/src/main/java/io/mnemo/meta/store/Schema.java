package io.mnemo.meta.store;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.mnemo.core.model.InodeId;
import io.mnemo.core.model.Layout;
import io.mnemo.core.proto.LayoutMsg;
import io.mnemo.core.proto.Protos;
import java.util.List;

/**
 * Every column family of the metadata database, with its key layout and value type: the
 * single source of truth for what is on disk. Integers in keys are fixed-width big-endian
 * (byte order is numeric order); every value starts with a format-version byte: 1, except
 * inode records, which are 2 since they carry flags (version 1 records are still read).
 *
 * <table>
 * <caption>Column families</caption>
 * <tr><th>family</th><th>key</th><th>value</th><th>holds</th></tr>
 * <tr><td>{@code inode}</td><td>u64 inode</td>
 *     <td>{@link Inode}: {@code [2][u8 flags: bit 0 inline][u64 parent dir, 0 unless a directory][AttrMsg]}</td>
 *     <td>every live inode, and deleted regular files (nlink 0) until their orphan record is
 *     purged; the root is inode 1 and its own parent</td></tr>
 * <tr><td>{@code dentry}</td><td>u64 parent, name bytes</td>
 *     <td>{@link Dentry}: {@code [1][u64 child][u8 FileType ordinal]}</td>
 *     <td>directory entries; one directory is one 8-byte prefix, in name order</td></tr>
 * <tr><td>{@code xattr}</td><td>u64 inode, name bytes (UTF-8, with its namespace prefix)</td>
 *     <td>{@code [1][value bytes]}</td><td>extended attributes; a directory's {@code user.mnemo.layout}
 *     (normalized, e.g. {@code chunk_size=4194304 stripe=8}) is what files created in it get</td></tr>
 * <tr><td>{@code inline}</td><td>u64 inode</td><td>{@code [1][file bytes]}</td>
 *     <td>the whole contents of regular files whose inode has the inline flag: exactly
 *     {@code size} bytes, at most the inline threshold; absent when such a file is empty.
 *     Read together with the inode by one multi-get</td></tr>
 * <tr><td>{@code orphan}</td><td>u64 inode</td><td>{@code [1][LayoutMsg]}</td>
 *     <td>deleted regular files whose chunks the collector has not yet removed from the data nodes;
 *     their inode records (nlink 0) stay too, for the handles still open on them</td></tr>
 * <tr><td>{@code node}</td><td>u32 node id</td><td>{@link NodeRecord}: {@code [1][NodeMsg: id, host, port]}</td>
 *     <td>registered data nodes (leases and usage live in memory only)</td></tr>
 * <tr><td>{@code chain}</td><td>u32 chain id</td><td>{@link ChainRecord}: {@code [1][ChainMsg]}</td>
 *     <td>the chain table; its version is the {@code sys} cell {@code chain-version}</td></tr>
 * <tr><td>{@code sys}</td><td>UTF-8 name</td><td>see the cells below</td>
 *     <td>{@code format-version} u32, {@code applied} {@code [1][u64 term][u64 index]} (the last applied
 *     Raft entry, written by every apply), {@code next-inode} u64 (the next free inode sequence),
 *     {@code inodes} u64 (live inode count), {@code next-node} u32, {@code chain-version} u64;
 *     each {@code [1][big-endian value]}</td></tr>
 * </table>
 */
public final class Schema {
    /** The layout this code reads and writes; stored in {@link #FORMAT_VERSION_CELL} when formatting. */
    public static final int FORMAT_VERSION = 1;

    private static final Codec<Layout> LAYOUT = new Codec<>() {
        @Override
        public byte[] encode(Layout layout) {
            return Keys.withVersion(Protos.toMsg(layout).toByteArray());
        }

        @Override
        public Layout decode(byte[] bytes) {
            try {
                return Protos.fromMsg(LayoutMsg.parseFrom(Keys.payload(bytes, "layout")));
            } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
                throw new IllegalStateException("corrupt layout", e);
            }
        }
    };

    private static final Codec<byte[]> VERSIONED_BYTES = new Codec<>() {
        @Override
        public byte[] encode(byte[] value) {
            return Keys.withVersion(value);
        }

        @Override
        public byte[] decode(byte[] bytes) {
            return Keys.payload(bytes, "value");
        }
    };

    public static final Table<InodeId, Inode> INODE = new Table<>("inode", Keys.INODE, Inode.CODEC);
    public static final Table<DentryKey, Dentry> DENTRY = new Table<>("dentry", DentryKey.CODEC, Dentry.CODEC);
    public static final Table<byte[], byte[]> XATTR = new Table<>("xattr", Keys.RAW, VERSIONED_BYTES);
    public static final Table<InodeId, ByteString> INLINE = new Table<>("inline", Keys.INODE, Keys.VERSIONED_VIEW);
    public static final Table<InodeId, Layout> ORPHAN = new Table<>("orphan", Keys.INODE, LAYOUT);
    public static final Table<Integer, NodeRecord> NODE = new Table<>("node", Keys.U32, NodeRecord.CODEC);
    public static final Table<Integer, ChainRecord> CHAIN = new Table<>("chain", Keys.U32, ChainRecord.CODEC);
    public static final String SYS = "sys";

    public static final Cell<Integer> FORMAT_VERSION_CELL = new Cell<>("format-version", Keys.U32_VALUE);
    public static final Cell<Applied> APPLIED = new Cell<>("applied", Applied.CODEC);
    public static final Cell<Long> NEXT_INODE = new Cell<>("next-inode", Keys.U64_VALUE);
    public static final Cell<Long> INODE_COUNT = new Cell<>("inodes", Keys.U64_VALUE);
    public static final Cell<Integer> NEXT_NODE = new Cell<>("next-node", Keys.U32_VALUE);
    public static final Cell<Long> CHAIN_VERSION = new Cell<>("chain-version", Keys.U64_VALUE);

    /** Every family, in the order the database opens them (RocksDB's default family is unused). */
    public static final List<String> FAMILIES = List.of(INODE.family(), DENTRY.family(), XATTR.family(),
            INLINE.family(), ORPHAN.family(), NODE.family(), CHAIN.family(), SYS);

    private Schema() {}
}
