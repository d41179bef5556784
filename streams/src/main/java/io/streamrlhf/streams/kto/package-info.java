/** The KTO-example topology: a thumbs label joined with the response it rates, with late labels, flips and dedup. */
package io.streamrlhf.streams.kto;
