/** The {@code streamrlhf} command line entry point. */
package io.streamrlhf.app;
