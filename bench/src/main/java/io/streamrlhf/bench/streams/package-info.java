/** Throughput and latency benchmark of the KTO topology against Kafka Streams' own pass-through and a minimal join. */
package io.streamrlhf.bench.streams;
