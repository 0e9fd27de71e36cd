/**
 * The {@code mnemo} command: the picocli root {@link io.mnemo.tools.Mnemo}, one class per
 * subcommand in {@code cmd/}, and {@link io.mnemo.tools.LocalCluster}, the embedded cluster
 * of {@code mnemo up}. The only module that parses command lines.
 */
package io.mnemo.tools;
