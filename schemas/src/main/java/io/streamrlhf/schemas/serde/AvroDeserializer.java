package io.streamrlhf.schemas.serde;

import io.streamrlhf.schemas.registry.SchemaRegistryClient;
import io.streamrlhf.schemas.registry.SchemaRegistryException;
import io.streamrlhf.schemas.serde.RecordDecodeException.Reason;
import java.io.EOFException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroTypeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads specific Avro records from the Confluent wire format, fetching the writer's schema by the id in the
 * header and resolving it against the reader's schema (so records written before or after a compatible schema
 * change are read the same way). Every kind of bad input raises {@link RecordDecodeException}; a {@code null}
 * value (a tombstone) reads as {@code null}.
 *
 * @param <T> the generated record class
 */
public class AvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {

    /** Payloads longer than this are taken as corruption rather than decoded. */
    private static final int MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;

    private final SchemaRegistryClient registry;
    private final Schema readerSchema;
    private final Map<Integer, SpecificDatumReader<T>> readersByWriterId = new ConcurrentHashMap<>();
    /**
     * The reader of the writer schema read last: a topic's records mostly share one writer schema, so the common
     * case neither boxes the id nor looks it up. Immutable, so a thread that sees it sees it whole.
     */
    private ReaderOf<T> last;

    private record ReaderOf<T extends SpecificRecord>(int schemaId, SpecificDatumReader<T> reader) {}

    /**
     * @param registry where writer schemas are fetched by id
     * @param readerSchema the schema to read into, usually {@code Generated.getClassSchema()}
     */
    public AvroDeserializer(SchemaRegistryClient registry, Schema readerSchema) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.readerSchema = Objects.requireNonNull(readerSchema, "readerSchema");
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (data.length < WireFormat.HEADER_SIZE) {
            throw new RecordDecodeException(
                    Reason.TRUNCATED_HEADER,
                    topic,
                    -1,
                    "record has " + data.length + " bytes, fewer than the " + WireFormat.HEADER_SIZE + "-byte header",
                    null);
        }
        if (data[0] != WireFormat.MAGIC_BYTE) {
            throw new RecordDecodeException(
                    Reason.BAD_MAGIC_BYTE,
                    topic,
                    -1,
                    String.format("magic byte is 0x%02x, expected 0x00", data[0]),
                    null);
        }
        int schemaId = ByteBuffer.wrap(data, 1, 4).getInt();
        ReaderOf<T> seen = last;
        SpecificDatumReader<T> reader;
        if (seen != null && seen.schemaId() == schemaId) {
            reader = seen.reader();
        } else {
            reader = readersByWriterId.computeIfAbsent(schemaId, id -> newReader(topic, id));
            last = new ReaderOf<>(schemaId, reader);
        }
        int length = data.length - WireFormat.HEADER_SIZE;
        if (length > MAX_PAYLOAD_BYTES) {
            throw new RecordDecodeException(
                    Reason.CORRUPT_PAYLOAD,
                    topic,
                    schemaId,
                    "payload of " + length + " bytes exceeds " + MAX_PAYLOAD_BYTES,
                    null);
        }
        try {
            // Bounded: a corrupt length prefix must not make Avro allocate what the bytes cannot hold.
            BoundedBinaryDecoder decoder = new BoundedBinaryDecoder(data, WireFormat.HEADER_SIZE, length);
            T record = reader.read(null, decoder);
            if (!decoder.isEnd()) {
                throw new RecordDecodeException(
                        Reason.CORRUPT_PAYLOAD,
                        topic,
                        schemaId,
                        "bytes left over after a complete " + readerSchema.getName(),
                        null);
            }
            return record;
        } catch (RecordDecodeException e) {
            throw e;
        } catch (EOFException e) {
            throw new RecordDecodeException(
                    Reason.TRUNCATED_PAYLOAD,
                    topic,
                    schemaId,
                    "payload ended before the " + readerSchema.getName() + " record did",
                    e);
        } catch (java.io.IOException | RuntimeException e) {
            // Avro signals bad encodings with a mix of AvroRuntimeException, AvroTypeException,
            // IndexOutOfBounds (bad union or enum index) and negative lengths; all mean corrupt bytes.
            throw new RecordDecodeException(
                    Reason.CORRUPT_PAYLOAD, topic, schemaId, e.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
    }

    private SpecificDatumReader<T> newReader(String topic, int schemaId) {
        Schema writerSchema;
        try {
            writerSchema = registry.getById(schemaId);
        } catch (SchemaRegistryException e) {
            Reason reason = e.isNotFound() ? Reason.UNKNOWN_SCHEMA_ID : Reason.REGISTRY_UNAVAILABLE;
            throw new RecordDecodeException(reason, topic, schemaId, e.getMessage(), e);
        }
        SchemaCompatibility.SchemaPairCompatibility compatibility =
                SchemaCompatibility.checkReaderWriterCompatibility(readerSchema, writerSchema);
        if (compatibility.getType() != SchemaCompatibility.SchemaCompatibilityType.COMPATIBLE) {
            List<String> problems = compatibility.getResult().getIncompatibilities().stream()
                    .map(i -> i.getType() + " at " + i.getLocation())
                    .toList();
            throw new RecordDecodeException(
                    Reason.INCOMPATIBLE_SCHEMA,
                    topic,
                    schemaId,
                    "writer schema " + writerSchema.getFullName() + " cannot be read as " + readerSchema.getFullName()
                            + ": " + problems,
                    new AvroTypeException(compatibility.getDescription()));
        }
        return new SpecificDatumReader<>(writerSchema, readerSchema, SpecificData.getForSchema(readerSchema));
    }
}
