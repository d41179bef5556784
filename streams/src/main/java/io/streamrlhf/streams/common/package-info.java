/** Pieces every topology shares: deterministic ids, serdes, state stores and how emissions are routed. */
package io.streamrlhf.streams.common;
