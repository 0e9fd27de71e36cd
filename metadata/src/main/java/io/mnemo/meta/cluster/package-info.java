/**
 * The cluster manager: the data-node registry with its in-memory leases and usage, the chain
 * table as the store holds it, and the placement of new files' chunks on chains. Persistent
 * changes (a new node, a new address) are commands applied through Raft; heartbeats of known
 * nodes are not, and only the leader keeps leases.
 */
package io.mnemo.meta.cluster;
