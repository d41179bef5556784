package io.streamrlhf.schemas.serde;

/**
 * The Confluent wire format: byte 0 is the magic byte {@value #MAGIC_BYTE}, bytes 1-4 the schema id (big-endian),
 * then the Avro binary encoding of the record.
 */
public final class WireFormat {
    /** The only magic byte defined so far. */
    public static final byte MAGIC_BYTE = 0x0;
    /** Magic byte plus a four-byte id. */
    public static final int HEADER_SIZE = 5;

    private WireFormat() {}

    /** The subject a topic's values are registered under (TopicNameStrategy). */
    public static String valueSubject(String topic) {
        return topic + "-value";
    }

    /** The subject a topic's keys are registered under (TopicNameStrategy). */
    public static String keySubject(String topic) {
        return topic + "-key";
    }
}
