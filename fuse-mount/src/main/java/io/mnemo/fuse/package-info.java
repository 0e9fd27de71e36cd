/**
 * The FUSE mount: the kernel's FUSE protocol spoken on {@code /dev/fuse} ({@link io.mnemo.fuse.FuseSession}),
 * each request translated into {@link io.mnemo.core.client.MnemoClient} calls ({@link io.mnemo.fuse.MnemoFuse}),
 * the open-handle tables, errno mapping in one place ({@link io.mnemo.fuse.FuseCall}), and mounting with a
 * readiness probe. No file-system logic lives here.
 */
package io.mnemo.fuse;
