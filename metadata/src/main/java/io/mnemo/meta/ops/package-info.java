/**
 * Metadata operations, one class per operation. Mutations ({@code CreateOp}, {@code UnlinkOp},
 * {@code RenameOp}, ...) apply one {@link io.mnemo.core.proto.MetaCommand} to a
 * {@link io.mnemo.meta.store.Txn}; {@link io.mnemo.meta.ops.OpRunner} is the one entry point the
 * state machine calls. Reads ({@code LookupOp}, {@code GetattrOp}, {@code ReaddirOp}) answer from
 * a {@link io.mnemo.meta.store.ReadView}.
 *
 * <p>Applying is deterministic: it reads no clock, random numbers or configuration; inode ids,
 * timestamps and layouts arrive inside the command. A POSIX failure is an {@code FsException}
 * thrown before the operation writes anything, which {@code OpRunner} turns into the errno of
 * the reply. Permission checks, networking and Raft do not belong here.
 */
package io.mnemo.meta.ops;
