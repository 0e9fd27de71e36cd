/** One class per {@code mnemo} subcommand: options, validation and wiring only, no file-system logic. */
package io.mnemo.tools.cmd;
