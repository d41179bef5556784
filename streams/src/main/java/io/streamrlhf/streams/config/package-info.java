/** Typed settings of the streams application and of each topology. */
package io.streamrlhf.streams.config;
