/**
 * Values every module speaks in: typed ids, names, attributes and layouts.
 * Records and enums only; no I/O and no protobuf types here.
 */
package io.mnemo.core.model;
