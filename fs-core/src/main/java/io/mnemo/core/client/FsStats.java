package io.mnemo.core.client;

/** What statfs reports: the data nodes' capacity and use, and the number of inodes. */
public record FsStats(long capacityBytes, long usedBytes, long inodes) {}
