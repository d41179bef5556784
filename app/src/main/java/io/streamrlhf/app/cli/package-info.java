/**
 * Subcommands of the {@code streamrlhf} command line ({@code demo}, {@code up}, {@code run}) and their shared
 * options.
 */
package io.streamrlhf.app.cli;
