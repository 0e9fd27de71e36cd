package io.mnemo.core.client;

/** A data node as the cluster manager sees it. */
public record DataNodeInfo(int nodeId, String address, long capacityBytes, long usedBytes, boolean alive) {}
