package io.streamrlhf.streams.deadletter;

import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Fails the serialization of a sink record whose value is larger than a Kafka producer sends by default, so that
 * it never reaches the producer. Under exactly-once a record the producer refuses ({@code RecordTooLargeException})
 * puts the open transaction in an abortable state: the commit fails, the task's work is redone and the same record
 * fails again, on every start. A failed serialization instead goes to
 * {@link SinkProductionExceptionHandler#handleSerializationError}, which dead-letters it and lets the transaction
 * go on.
 */
public final class SinkSizeGuard {

    /**
     * The largest sink value: Kafka's default {@code max.request.size} (1048576) less 64 KiB for the key, the headers
     * and the record and batch framing.
     */
    public static final int MAX_VALUE_BYTES = 1_048_576 - 65_536;

    private SinkSizeGuard() {}

    /** {@code serde} with a serializer that refuses values over {@link #MAX_VALUE_BYTES} (serialize only). */
    public static <V> Serde<V> limit(Serde<V> serde) {
        return limit(serde, MAX_VALUE_BYTES);
    }

    /** {@code serde} with a serializer that refuses values over {@code maxBytes}. */
    public static <V> Serde<V> limit(Serde<V> serde, int maxBytes) {
        Serializer<V> inner = serde.serializer();
        Serializer<V> guarded = new Serializer<>() {
            @Override
            public byte[] serialize(String topic, V value) {
                return check(topic, inner.serialize(topic, value), maxBytes);
            }

            @Override
            public byte[] serialize(String topic, Headers headers, V value) {
                return check(topic, inner.serialize(topic, headers, value), maxBytes);
            }
        };
        return Serdes.serdeFrom(guarded, serde.deserializer());
    }

    private static byte[] check(String topic, byte[] bytes, int maxBytes) {
        if (bytes != null && bytes.length > maxBytes) {
            throw new RecordTooLargeException("a value of " + bytes.length + " bytes for " + topic
                    + " is larger than the " + maxBytes + " bytes a sink record may take");
        }
        return bytes;
    }
}
