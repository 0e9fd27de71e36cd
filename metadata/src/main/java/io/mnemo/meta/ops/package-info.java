/**
 * Metadata operations, one class per operation. Mutations ({@code CreateOp}, {@code UnlinkOp},
 * {@code RenameOp}, ...) apply one {@link io.mnemo.core.proto.MetaCommand} to a
 * {@link io.mnemo.meta.store.Txn}; {@link io.mnemo.meta.ops.OpRunner} is the one entry point the
 * state machine calls. Reads ({@code LookupOp}, {@code GetattrOp}, {@code ReaddirOp},
 * {@code GetxattrOp}, {@code ListxattrOp}, {@code AccessOp}, {@code OpenOp}) answer from a
 * {@link io.mnemo.meta.store.ReadView}.
 *
 * <p>Applying is deterministic: it reads no clock, random numbers or configuration; inode ids,
 * timestamps, layouts and the caller arrive inside the command. A POSIX failure is an
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
