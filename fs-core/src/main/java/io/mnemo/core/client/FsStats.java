package io.mnemo.core.client;

/**
 * What statfs reports: the data nodes' capacity, what their chunks take, what can still be
 * written (less than capacity minus use where their disks hold other files too), and the number
 * of inodes.
 */
public record FsStats(long capacityBytes, long usedBytes, long freeBytes, long inodes) {}
