/**
 * The data node: {@link io.mnemo.data.DataNode} wires a chunk store on local disk to the chunk
 * RPC service and to heartbeats towards the metadata server; {@link io.mnemo.data.DataConfig}
 * says where and how. Wiring and lifecycle only: storage lives in {@code store}, the wire in
 * {@code net}. Nothing here parses command lines.
 */
package io.mnemo.data;
