/**
 * Protobuf messages (generated from {@code src/main/proto/mnemo.proto}) and their conversion
 * to and from the model types. Nothing else.
 */
package io.mnemo.core.proto;
