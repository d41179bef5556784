/**
 * The live dashboard: a small HTTP/SSE server fed by the trainer's topics, consumer offsets and the streams monitor.
 */
package io.streamrlhf.app.dashboard;
