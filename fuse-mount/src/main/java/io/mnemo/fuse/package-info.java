/**
 * The FUSE adapter: jnr-fuse callbacks translated one-to-one into {@link io.mnemo.core.client.MnemoClient}
 * calls, the open-handle table, {@code -errno} mapping in one place ({@link io.mnemo.fuse.FuseCall}),
 * and mounting with a readiness probe. No file-system logic lives here.
 */
package io.mnemo.fuse;
