package io.streamrlhf.schemas.serde;

import io.streamrlhf.schemas.registry.SchemaRegistryClient;
import java.io.IOException;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes specific Avro records in the Confluent wire format, registering (or looking up) the record's schema
 * under {@code <topic>-value} or {@code <topic>-key} on first use and caching the id per subject.
 *
 * @param <T> the generated record class
 */
public class AvroSerializer<T extends SpecificRecord> implements Serializer<T> {

    private final SchemaRegistryClient registry;
    private final Schema schema;
    private final boolean isKey;
    private final boolean autoRegister;
    private final SpecificDatumWriter<T> writer;
    private final Map<String, Integer> idsBySubject = new ConcurrentHashMap<>();
    private final ThreadLocal<BinaryEncoder> encoders = new ThreadLocal<>();
    private final ThreadLocal<ByteSink> sinks = ThreadLocal.withInitial(ByteSink::new);
    /**
     * The schema id of the topic serialized last: a serializer mostly writes to one topic, whose name Kafka passes
     * as the same string every time, so the subject is neither built nor hashed per record. Immutable, so a thread
     * that sees it sees it whole.
     */
    private TopicId last;

    private record TopicId(String topic, int id) {}

    /**
     * @param registry where schemas are registered
     * @param schema the writer schema, usually {@code Generated.getClassSchema()}
     * @param isKey whether this serializes keys (subject {@code <topic>-key})
     * @param autoRegister register the schema on first use; when false it must already be registered
     */
    public AvroSerializer(SchemaRegistryClient registry, Schema schema, boolean isKey, boolean autoRegister) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.schema = Objects.requireNonNull(schema, "schema");
        this.isKey = isKey;
        this.autoRegister = autoRegister;
        this.writer = new SpecificDatumWriter<>(schema, customCoding(schema));
    }

    /**
     * A model for writing {@code schema} that encodes every record whose generated class has custom coders through
     * its {@code customEncode}: straight-line generated code instead of Avro's per-field lookups, with the same
     * bytes. Avro leaves this off unless the JVM-wide {@code org.apache.avro.specific.use_custom_coders} is set;
     * here it is on for this writer alone. Records without custom coders (those with logical types) take the
     * generic path, so the model carries the logical-type conversions of every record class in the schema.
     */
    public static SpecificData customCoding(Schema schema) {
        SpecificData model = new SpecificData(SpecificData.getForSchema(schema).getClassLoader());
        addConversions(schema, model, new HashSet<>());
        model.setCustomCoders(true);
        return model;
    }

    private static void addConversions(Schema schema, SpecificData model, Set<String> seen) {
        switch (schema.getType()) {
            case RECORD -> {
                if (seen.add(schema.getFullName())) {
                    SpecificData.getForSchema(schema).getConversions().forEach(model::addLogicalTypeConversion);
                    schema.getFields().forEach(f -> addConversions(f.schema(), model, seen));
                }
            }
            case ARRAY -> addConversions(schema.getElementType(), model, seen);
            case MAP -> addConversions(schema.getValueType(), model, seen);
            case UNION -> schema.getTypes().forEach(t -> addConversions(t, model, seen));
            default -> {}
        }
    }

    private int schemaId(String topic) {
        TopicId seen = last;
        if (seen != null && (seen.topic() == topic || seen.topic().equals(topic))) {
            return seen.id();
        }
        String subject = isKey ? WireFormat.keySubject(topic) : WireFormat.valueSubject(topic);
        int id = idsBySubject.computeIfAbsent(
                subject, s -> autoRegister ? registry.register(s, schema) : registry.lookup(s, schema));
        last = new TopicId(topic, id);
        return id;
    }

    @Override
    public byte[] serialize(String topic, T record) {
        if (record == null) {
            return null;
        }
        int id = schemaId(topic);
        ByteSink out = sinks.get(); // empty: every use ends with a reset
        try {
            out.write(WireFormat.MAGIC_BYTE);
            out.writeInt(id);
            // Avro's buffered encoder writes primitives into its own array and hands the stream whole blocks.
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, encoders.get());
            encoders.set(encoder);
            writer.write(record, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException | RuntimeException e) {
            throw new SerializationException(
                    "Cannot serialize " + schema.getFullName() + " for topic " + topic + ": " + e.getMessage(), e);
        } finally {
            out.reset();
        }
    }
}
