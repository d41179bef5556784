/** Avro serde on the Confluent wire format, with bounded decoding and typed decode-error reasons. */
package io.streamrlhf.schemas.serde;
