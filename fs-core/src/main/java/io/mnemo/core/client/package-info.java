/**
 * The client side of Mnemo: {@link io.mnemo.core.client.MnemoClient}, the one facade used by the
 * mount, the tools and the tests, with its metadata and chunk RPC and per-file write buffering.
 * No FUSE and no command-line parsing here.
 */
package io.mnemo.core.client;
