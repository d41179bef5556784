/** The HTTP ingestion gateway: authenticated JSON endpoints that write events to Kafka and answer once acknowledged. */
package io.streamrlhf.producers.gateway;
