/** An embedded Confluent-compatible schema-registry server whose schemas live in a compacted Kafka topic. */
package io.streamrlhf.localstack.registry;
