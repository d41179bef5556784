/**
 * The per-version monitor: thumbs-up and judge pass rates, lengths and volume per policy version, served over
 * HTTP/SSE.
 */
package io.streamrlhf.streams.monitor;
