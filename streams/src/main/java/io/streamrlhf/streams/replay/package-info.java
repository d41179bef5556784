/**
 * Replays into a branch: the whole streams topology run once, as its own application, over a bounded range of the
 * retained input topics, stopping by itself when every input is consumed and the outputs are committed.
 */
package io.streamrlhf.streams.replay;
