/**
 * Metadata operations, one class per operation. Mutations ({@code CreateOp}, {@code UnlinkOp},
 * {@code RenameOp}, ...) apply one {@link io.mnemo.core.proto.MetaCommand} to a
 * {@link io.mnemo.meta.store.Txn}; {@link io.mnemo.meta.ops.OpRunner} is the one entry point the
 * state machine calls. Reads ({@code LookupOp}, {@code GetattrOp}, {@code ReaddirOp},
 * {@code GetxattrOp}, {@code ListxattrOp}, {@code AccessOp}, {@code OpenOp}) answer from a
 * {@link io.mnemo.meta.store.ReadView}.
 *
 * <p>Applying is deterministic: it reads no clock or random numbers; inode ids, timestamps, the
 * default layout of a new file and the caller arrive inside the command, and the one setting it
 * depends on, the inline threshold, is held by {@code OpRunner} and the same on every replica.
 * Where a command leaves a choice to the namespace itself (a directory's layout for the files
 * created in it), the choice is a function of the store ({@link io.mnemo.meta.cluster.LayoutPolicy}). A POSIX failure is an
 * {@code FsException} thrown before the operation writes anything, which {@code OpRunner} turns
 * into the errno of the reply.
 *
 * <p>Permission checks belong here, in each operation, with Linux's rules and in Linux's order
 * ({@code Permissions}, {@code Xattrs}): a mutation checks the caller its command carries
 * against exactly the state it changes, so no check races a concurrent change. A command
 * without a caller runs as root (the server's own: formatting, purges, registrations).
 * Networking, Raft and the in-memory session table do not belong here.
 */
package io.mnemo.meta.ops;
