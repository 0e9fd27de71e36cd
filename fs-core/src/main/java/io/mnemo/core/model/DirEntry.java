package io.mnemo.core.model;

/** One directory entry as readdir returns it. */
public record DirEntry(Name name, InodeId inode, FileType type) {}
