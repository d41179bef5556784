package io.streamrlhf.streams.common;

import io.streamrlhf.streams.avro.SourceOffset;

/**
 * A decoded, valid input record with where it came from and its original bytes (so that a later rule can still
 * dead-letter it verbatim). Stays inside the process.
 *
 * @param value the decoded record
 * @param topic source topic
 * @param partition source partition
 * @param offset source offset
 * @param rawKey original key bytes
 * @param rawValue original value bytes
 * @param <V> record type
 */
public record Sourced<V>(V value, String topic, int partition, long offset, byte[] rawKey, byte[] rawValue) {

    /** The coordinates as kept in state. */
    public SourceOffset sourceOffset() {
        return new SourceOffset(topic, partition, offset);
    }
}
