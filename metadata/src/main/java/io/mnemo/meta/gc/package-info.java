/**
 * Garbage collection of deleted files' chunks. Deleting a file removes its metadata at once
 * and records its layout in the {@code orphan} family; the leader's
 * {@link io.mnemo.meta.gc.ChunkCollector} later asks the data nodes of those chains to delete
 * the chunks and, once every one has, proposes a command that forgets the orphans.
 */
package io.mnemo.meta.gc;
