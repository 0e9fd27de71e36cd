/**
 * Garbage collection of deleted files' chunks. Removing a regular file's last name leaves its
 * inode unnamed (nlink 0) and records its layout in the {@code orphan} family; the leader's
 * {@link io.mnemo.meta.gc.ChunkCollector} later, once no client session holds the file open
 * ({@link io.mnemo.meta.gc.OpenFiles}), asks the data nodes of those chains to delete the chunks
 * and, once every one has, proposes a command that forgets the orphans and their inodes.
 */
package io.mnemo.meta.gc;
