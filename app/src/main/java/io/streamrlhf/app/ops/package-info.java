/**
 * Operating a process: each component runs under a {@link io.streamrlhf.app.ops.Supervisor} that restarts it
 * after a failure with bounded exponential backoff and gives up (the process exits non-zero) after too many
 * consecutive failures; {@link io.streamrlhf.app.ops.OpsServer} serves every component's health and the
 * process's Prometheus metrics ({@link io.streamrlhf.app.ops.ProcessMetrics}).
 */
package io.streamrlhf.app.ops;
