package io.mnemo.meta.cluster;

import io.mnemo.core.model.InodeId;
import io.mnemo.core.model.Layout;
import io.mnemo.meta.store.ChainRecord;
import io.mnemo.meta.store.ReadView;
import io.mnemo.meta.store.Schema;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Chooses the layout of a new regular file: the default chunk size, a stripe over
 * {@code min(defaultStripeCount, #chains)} chains (0 means all), and a rotation of the chain
 * list that starts at {@code inode sequence mod #chains}, so consecutive files start on
 * different chains and load spreads evenly. Empty when no chain exists.
 */
public final class LayoutPolicy {
    private final ReadView store;
    private final NodeRegistry registry;
    private final int chunkSizeBytes;
    private final int stripeCount;
    private volatile ChainList cached = new ChainList(-1, List.of());

    private record ChainList(long version, List<Integer> chainIds) {}

    public LayoutPolicy(ReadView store, NodeRegistry registry, int chunkSizeBytes, int stripeCount) {
        this.store = store;
        this.registry = registry;
        this.chunkSizeBytes = chunkSizeBytes;
        this.stripeCount = stripeCount;
    }

    public Optional<Layout> choose(InodeId inode) {
        List<Integer> chains = chainIds();
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

    private List<Integer> chainIds() {
        long version = store.get(Schema.CHAIN_VERSION).orElse(0L);
        ChainList current = cached;
        if (current.version != version) {
            current = new ChainList(version, registry.chains().stream().map(ChainRecord::chainId).toList());
            cached = current;
        }
        return current.chainIds;
    }
}
