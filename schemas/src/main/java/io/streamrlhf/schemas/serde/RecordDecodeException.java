package io.streamrlhf.schemas.serde;

import org.apache.kafka.common.errors.SerializationException;

/**
 * Bytes on a topic could not be turned into a record. Thrown by {@link AvroDeserializer} for every kind of bad
 * input, never swallowed: the streams topologies route it to dead letters with {@link #reason()} and the
 * record's coordinates.
 */
public class RecordDecodeException extends SerializationException {

    /** What was wrong with the bytes. */
    public enum Reason {
        /** Fewer than the five header bytes (magic byte and schema id). */
        TRUNCATED_HEADER,
        /** Byte 0 is not the Confluent magic byte 0. */
        BAD_MAGIC_BYTE,
        /** The schema id in the header is not known to the registry. */
        UNKNOWN_SCHEMA_ID,
        /** The registry could not be asked (unreachable, or it answered with an error). */
        REGISTRY_UNAVAILABLE,
        /** The writer's schema cannot be resolved against the reader's. */
        INCOMPATIBLE_SCHEMA,
        /** The Avro body ended before the record did. */
        TRUNCATED_PAYLOAD,
        /** The Avro body is not a valid encoding under the writer's schema, or has bytes left over. */
        CORRUPT_PAYLOAD
    }

    private static final long serialVersionUID = 1L;

    private final Reason reason;
    private final String topic;
    private final int partition;
    private final long offset;
    private final int schemaId;

    public RecordDecodeException(Reason reason, String topic, int schemaId, String message, Throwable cause) {
        this(reason, topic, -1, -1L, schemaId, message, cause);
    }

    private RecordDecodeException(
            Reason reason, String topic, int partition, long offset, int schemaId, String message, Throwable cause) {
        super(
                reason + " on " + topic + (partition >= 0 ? "-" + partition + "@" + offset : "")
                        + (schemaId >= 0 ? " (schema id " + schemaId + ")" : "") + ": " + message,
                cause);
        this.reason = reason;
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.schemaId = schemaId;
    }

    /** Returns a copy that also carries the record's partition and offset, once the caller knows them. */
    public RecordDecodeException at(int partition, long offset) {
        String base = getMessage().substring(getMessage().indexOf(": ") + 2);
        return new RecordDecodeException(reason, topic, partition, offset, schemaId, base, getCause());
    }

    public Reason reason() {
        return reason;
    }

    /**
     * Whether the failure is about the surroundings, not the bytes: the registry could not be asked, so the same
     * record may decode once it answers. Such a record must be retried, never skipped; every other reason is a
     * record bad in itself.
     */
    public boolean isTransient() {
        return reason == Reason.REGISTRY_UNAVAILABLE;
    }

    public String topic() {
        return topic;
    }

    /** The partition, or -1 when not known. */
    public int partition() {
        return partition;
    }

    /** The offset, or -1 when not known. */
    public long offset() {
        return offset;
    }

    /** The schema id read from the header, or -1 when the header itself was bad. */
    public int schemaId() {
        return schemaId;
    }
}
