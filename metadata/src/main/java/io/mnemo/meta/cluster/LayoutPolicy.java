package io.mnemo.meta.cluster;

import io.mnemo.core.model.InodeId;
import io.mnemo.core.model.Layout;
import io.mnemo.meta.store.ChainRecord;
import io.mnemo.meta.store.Keys;
import io.mnemo.meta.store.ReadView;
import io.mnemo.meta.store.Row;
import io.mnemo.meta.store.Schema;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where every layout is chosen: a stripe over {@code min(stripeCount, #chains)} chains (0 means
 * all), taken from a rotation of the chain list that starts at {@code inode sequence mod #chains},
 * so consecutive files start on different chains and load spreads evenly ({@link #place}).
 *
 * <p>An instance is the leader's default for new regular files (the configured chunk size and
 * stripe count over the chain table it caches), which travels in the create command. The static
 * methods are deterministic functions of the store that applying a command may call: a
 * directory's {@link LayoutSpec} overriding that default for the files created in it, and the
 * layout an empty file is given again. Each is empty when no chain exists.
 */
public final class LayoutPolicy {
    /** More chains than a cluster has; bounds the scan of the chain table. */
    private static final int MAX_CHAINS = 1 << 16;

    private final ReadView store;
    private final NodeRegistry registry;
    private final int chunkSizeBytes;
    private final int stripeCount;
    private volatile ChainList cached = new ChainList(-1, List.of());

    private record ChainList(long version, List<ChainRecord> chains) {}

    public LayoutPolicy(ReadView store, NodeRegistry registry, int chunkSizeBytes, int stripeCount) {
        this.store = store;
        this.registry = registry;
        this.chunkSizeBytes = chunkSizeBytes;
        this.stripeCount = stripeCount;
    }

    /**
     * The default layout of new regular file {@code inode}, over the chains whose nodes are all
     * alive: a node that stopped renewing its lease gets no new files (chains have one node
     * until replication comes, so a file on it could not be written). If no chain is alive (a
     * leader just started, before the first heartbeats), over all of them.
     */
    public Optional<Layout> choose(InodeId inode) {
        List<ChainRecord> chains = chains();
        List<Integer> alive = new ArrayList<>(chains.size());
        for (ChainRecord chain : chains) {
            if (chain.nodeIds().stream().allMatch(registry::isAlive)) {
                alive.add(chain.chainId());
            }
        }
        return place(chunkSizeBytes, stripeCount,
                alive.isEmpty() ? chains.stream().map(ChainRecord::chainId).toList() : alive, inode);
    }

    /**
     * The placement rule: chunk size {@code chunkSizeBytes}, a stripe over {@code stripeCount}
     * chains (0 or more than exist: all of them) rotated by the inode's sequence.
     */
    public static Optional<Layout> place(int chunkSizeBytes, int stripeCount, List<Integer> chains, InodeId inode) {
        if (chains.isEmpty()) {
            return Optional.empty();
        }
        int n = chains.size();
        int stripe = stripeCount <= 0 ? n : Math.min(stripeCount, n);
        int start = (int) Math.floorMod(inode.sequence(), (long) n);
        List<Integer> picked = new ArrayList<>(stripe);
        for (int i = 0; i < stripe; i++) {
            picked.add(chains.get((start + i) % n));
        }
        return Optional.of(new Layout(chunkSizeBytes, stripe, picked));
    }

    /**
     * {@code base} with what {@code spec} sets: a chunk size replaces base's; a stripe count is
     * placed anew over the chain table as {@code view} holds it, while without one the stripe
     * stays base's. For a new file in a directory with a layout, base is the leader's default (so
     * unset keys mean "the default"); for an empty file given a layout, base is its own.
     */
    public static Optional<Layout> withSpec(ReadView view, InodeId inode, LayoutSpec spec, Layout base) {
        int chunk = spec.chunkSizeBytes().orElse(base.chunkSizeBytes());
        if (spec.stripeCount().isEmpty()) {
            return Optional.of(new Layout(chunk, base.stripeCount(), base.chains()));
        }
        return place(chunk, spec.stripeCount().getAsInt(), chainIds(view), inode);
    }

    /** Every chain id of the table as {@code view} holds it, in id order. */
    public static List<Integer> chainIds(ReadView view) {
        List<Integer> ids = new ArrayList<>();
        for (Row<Integer, ChainRecord> row : view.scan(Schema.CHAIN, Keys.u32Start(), Keys.u32End(), MAX_CHAINS)) {
            ids.add(row.value().chainId());
        }
        return ids;
    }

    private List<ChainRecord> chains() {
        long version = store.get(Schema.CHAIN_VERSION).orElse(0L);
        ChainList current = cached;
        if (current.version != version) {
            current = new ChainList(version, List.copyOf(registry.chains()));
            cached = current;
        }
        return current.chains;
    }
}
