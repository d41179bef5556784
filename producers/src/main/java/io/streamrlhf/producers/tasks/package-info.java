/** The demo's synthetic tasks (arithmetic and polite chat): prompts, reference answers and the warm-start corpus. */
package io.streamrlhf.producers.tasks;
