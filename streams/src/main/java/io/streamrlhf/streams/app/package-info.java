/** The Kafka Streams application: one topology of every sub-topology, its properties and its lifecycle. */
package io.streamrlhf.streams.app;
