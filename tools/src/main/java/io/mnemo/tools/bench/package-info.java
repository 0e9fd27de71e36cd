/**
 * Benchmarks behind {@code mnemo bench}: workloads written against {@code java.nio.file}, so that
 * they run on any directory (a Mnemo mount, or a local disk for a baseline), and the reports they
 * print. Nothing here knows Mnemo's internals.
 */
package io.mnemo.tools.bench;
