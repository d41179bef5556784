/** Load benchmark of the HTTP ingestion gateway. */
package io.streamrlhf.bench.producers;
