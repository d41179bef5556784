package io.streamrlhf.streams.deadletter;

import io.streamrlhf.avro.DeadLetter;
import io.streamrlhf.streams.avro.SourceOffset;
import java.nio.ByteBuffer;

/** Builds {@code DeadLetter} records. */
public final class DeadLetters {

    /** The {@code errorClass} of records that decoded but broke a rule. */
    public static final String VALIDATION = "validation";

    private DeadLetters() {}

    /**
     * A dead letter carrying the original bytes and coordinates.
     *
     * @param reason why
     * @param errorClass the exception class, or {@link #VALIDATION} for broken rules
     * @param detail human-readable detail
     * @param now when it is dead-lettered (wall clock)
     */
    public static DeadLetter of(
            DeadLetterReason reason,
            String errorClass,
            String detail,
            String topic,
            int partition,
            long offset,
            byte[] rawKey,
            byte[] rawValue,
            long now) {
        return DeadLetter.newBuilder()
                .setOriginalKey(rawKey == null ? null : ByteBuffer.wrap(rawKey))
                .setOriginalValue(rawValue == null ? null : ByteBuffer.wrap(rawValue))
                .setTopic(topic == null ? "" : topic)
                .setPartition(partition)
                .setOffset(offset)
                .setErrorClass(errorClass)
                .setReason(reason.name() + ": " + detail)
                .setTime(java.time.Instant.ofEpochMilli(now))
                .build();
    }

    /** A dead letter for a record kept in state, at its recorded coordinates. */
    public static DeadLetter of(
            DeadLetterReason reason, String detail, SourceOffset at, ByteBuffer rawKey, ByteBuffer rawValue, long now) {
        return of(
                reason,
                VALIDATION,
                detail,
                at == null ? "" : at.getTopic(),
                at == null ? -1 : at.getPartition(),
                at == null ? -1 : at.getOffset(),
                bytes(rawKey),
                bytes(rawValue),
                now);
    }

    /** The reason code a dead letter was filed under. */
    public static DeadLetterReason reasonOf(DeadLetter letter) {
        String r = letter.getReason();
        int colon = r.indexOf(':');
        return DeadLetterReason.valueOf(colon < 0 ? r : r.substring(0, colon));
    }

    static byte[] bytes(ByteBuffer b) {
        if (b == null) {
            return null;
        }
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }

    /** A copy of {@code b}'s remaining bytes, or null. */
    public static byte[] toBytes(ByteBuffer b) {
        return bytes(b);
    }
}
