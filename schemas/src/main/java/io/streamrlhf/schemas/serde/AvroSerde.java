package io.streamrlhf.schemas.serde;

import io.streamrlhf.schemas.registry.SchemaRegistryClient;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A Kafka {@link Serde} for one generated Avro record class on the Confluent wire format.
 *
 * @param <T> the generated record class
 */
public final class AvroSerde<T extends SpecificRecord> implements Serde<T> {

    private final AvroSerializer<T> serializer;
    private final AvroDeserializer<T> deserializer;

    private AvroSerde(SchemaRegistryClient registry, Schema schema, boolean isKey, boolean autoRegister) {
        this.serializer = new AvroSerializer<>(registry, schema, isKey, autoRegister);
        this.deserializer = new AvroDeserializer<>(registry, schema);
    }

    /** A value serde that registers the class's schema on first use. */
    public static <T extends SpecificRecord> AvroSerde<T> forValues(Class<T> type, SchemaRegistryClient registry) {
        return new AvroSerde<>(registry, SpecificData.get().getSchema(type), false, true);
    }

    /** A value serde with explicit schema and registration policy (for evolution tests and strict producers). */
    public static <T extends SpecificRecord> AvroSerde<T> of(
            Schema schema, SchemaRegistryClient registry, boolean isKey, boolean autoRegister) {
        return new AvroSerde<>(registry, schema, isKey, autoRegister);
    }

    @Override
    public Serializer<T> serializer() {
        return serializer;
    }

    @Override
    public Deserializer<T> deserializer() {
        return deserializer;
    }
}
