/**
 * Netty plumbing shared by every server and client: framing with a hard maximum frame length,
 * the cluster-secret handshake, a pipelined request server and a pooled client.
 * No file-system logic lives here.
 */
package io.mnemo.core.net;
