/**
 * The monitor contract: typed documents the streams monitor writes and the dashboard (or any tool) reads, with one
 * shared Jackson mapper and an additive-only evolution rule.
 */
package io.streamrlhf.schemas.monitor;
