/**
 * Wiring of components into one process: which components run, in what order they start and stop, and the demo's
 * defaults.
 */
package io.streamrlhf.app.pipeline;
