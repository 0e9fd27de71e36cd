/**
 * Client sessions and the files they hold open, kept in memory on the leader only: never
 * replicated, never stored. They exist so that a file unlinked while open keeps its data until
 * its last holder releases it or goes away (its lease expires). After a restart or a change of
 * leader no session exists, so every deleted file becomes collectable: a crash leaves nothing
 * behind.
 */
package io.mnemo.meta.session;
