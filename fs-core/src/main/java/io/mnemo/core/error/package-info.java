/**
 * Errors: {@link io.mnemo.core.error.Errno} and {@link io.mnemo.core.error.FsException}.
 * Everything that can fail for a POSIX reason throws {@code FsException}; nothing else belongs here.
 */
package io.mnemo.core.error;
