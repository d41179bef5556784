/** Erasure: the set of erased user ids every streams task consults before it keeps or emits a user's data. */
package io.streamrlhf.streams.erasure;
