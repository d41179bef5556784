/** Dead letters: why a record was rejected, and the handlers that route bad records instead of stopping. */
package io.streamrlhf.streams.deadletter;
