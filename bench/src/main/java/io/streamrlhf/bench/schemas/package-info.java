/** Benchmark of the Avro serializer against Avro's own encoders. */
package io.streamrlhf.bench.schemas;
