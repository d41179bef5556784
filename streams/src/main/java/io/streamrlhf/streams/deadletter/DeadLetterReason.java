package io.streamrlhf.streams.deadletter;

import io.streamrlhf.schemas.serde.RecordDecodeException;

/**
 * Why a record went to dead letters. The {@code reason} field of every {@code DeadLetter} starts with one of these
 * names followed by a colon, so consumers can group by it.
 */
public enum DeadLetterReason {
    /** Fewer bytes than the wire-format header. */
    TRUNCATED_HEADER,
    /** Not the Confluent magic byte. */
    BAD_MAGIC_BYTE,
    /** Schema id unknown to the registry. */
    UNKNOWN_SCHEMA_ID,
    /** The registry could not be asked. */
    REGISTRY_UNAVAILABLE,
    /** The writer's schema cannot be read as ours. */
    INCOMPATIBLE_SCHEMA,
    /** The writer used an enum symbol this reader does not know. */
    UNKNOWN_ENUM,
    /** The Avro body ended early. */
    TRUNCATED_PAYLOAD,
    /** The Avro body is not a valid encoding. */
    CORRUPT_PAYLOAD,
    /** A null value on an event topic. */
    TOMBSTONE,
    /** The record key is missing or differs from the id the value says it should be keyed by. */
    KEY_MISMATCH,
    /** A required id or field is blank. */
    MISSING_FIELD,
    /** The prompt text is blank. */
    MISSING_PROMPT,
    /** The completion text is blank. */
    MISSING_COMPLETION,
    /** The completion is longer than {@code validation.max.completion.chars}. */
    COMPLETION_TOO_LONG,
    /** A pairwise preference names the same response twice. */
    SAME_RESPONSE,
    /** Feedback or a preference names a response that did not arrive within retention. */
    RESPONSE_NOT_FOUND,
    /** A processor failed on the record (a bug or an input shape no rule foresaw); processing went on. */
    PROCESSING_ERROR,
    /**
     * Feedback from one more user on a response that already holds {@code kto.max.votes.per.response} votes (or waiting
     * feedback); the response's state is left as it was.
     */
    RESPONSE_VOTES_LIMIT,
    /**
     * A response or feedback would make the response's KTO state larger than {@code kto.max.state.bytes}; the state is
     * left as it was.
     */
    RESPONSE_STATE_LIMIT,
    /**
     * A label would make its prompt's derived-pair state hold more than {@code dpo.derived.responses.per.prompt}
     * responses or more than {@code dpo.max.state.bytes}; the label is not used for derived pairs (its KTO example was
     * emitted).
     */
    PROMPT_STATE_LIMIT,
    /**
     * A rollout would make its rollout group larger than {@code dpo.max.state.bytes}; it is neither judged nor
     * paired.
     */
    ROLLOUT_GROUP_LIMIT,
    /**
     * An output record for a sink topic (examples, pairs, verdicts, monitor events, dead letters) could not be
     * written: larger than the producer accepts, or its serializer failed. The letter names the source record.
     */
    OUTPUT_NOT_WRITTEN,
    /**
     * An event from (or a response written for) a user who has been erased: refused, and filed without its key or
     * value bytes so that the dead letters keep nothing of the user's content.
     */
    USER_ERASED;

    /**
     * The reason for a serde failure: {@link #UNKNOWN_ENUM} when the writer's schema has enum symbols ours lacks (or
     * the bytes hold an enum index out of range), else the serde's own reason.
     */
    public static DeadLetterReason of(RecordDecodeException e) {
        String message = String.valueOf(e.getMessage());
        if (message.contains("MISSING_ENUM_SYMBOLS")
                || (e.reason() == RecordDecodeException.Reason.CORRUPT_PAYLOAD && hasEnumCause(e))) {
            return UNKNOWN_ENUM;
        }
        return switch (e.reason()) {
            case TRUNCATED_HEADER -> TRUNCATED_HEADER;
            case BAD_MAGIC_BYTE -> BAD_MAGIC_BYTE;
            case UNKNOWN_SCHEMA_ID -> UNKNOWN_SCHEMA_ID;
            case REGISTRY_UNAVAILABLE -> REGISTRY_UNAVAILABLE;
            case INCOMPATIBLE_SCHEMA -> INCOMPATIBLE_SCHEMA;
            case TRUNCATED_PAYLOAD -> TRUNCATED_PAYLOAD;
            case CORRUPT_PAYLOAD -> CORRUPT_PAYLOAD;
        };
    }

    private static boolean hasEnumCause(Throwable e) {
        for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
            String m = String.valueOf(t.getMessage()).toLowerCase(java.util.Locale.ROOT);
            if (m.contains("enum")) {
                return true;
            }
        }
        return false;
    }
}
