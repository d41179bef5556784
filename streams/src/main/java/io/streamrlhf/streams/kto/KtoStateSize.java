package io.streamrlhf.streams.kto;

import io.streamrlhf.streams.avro.KtoResponseState;
import io.streamrlhf.streams.avro.PendingFeedback;
import io.streamrlhf.streams.avro.ResponseSnapshot;
import io.streamrlhf.streams.avro.SourceOffset;
import io.streamrlhf.streams.avro.Vote;
import io.streamrlhf.streams.common.AvroSize;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * An upper bound of a {@link KtoResponseState}'s serialized size read straight from its getters: the join checks
 * every record's new state against {@code kto.max.state.bytes} and weighs it for its cache, and a walk over the schema
 * ({@link AvroSize}) costs about as much as serializing the state, which the object cache exists to avoid. Each
 * string counts three bytes per character plus five for its length, each number its longest encoding, each array
 * ten bytes of framing. {@code KtoStateSizeTest} fails when a field is added to the records counted here, so that
 * the count is extended with it.
 */
final class KtoStateSize {

    private static final int LONG = 10;
    private static final int INT = 5;
    private static final int BOOLEAN = 1;
    private static final int UNION = 1;
    private static final int ARRAY = 10;

    private KtoStateSize() {}

    /** At least the bytes {@code state} takes serialized with its wire-format header. */
    static long upperBound(KtoResponseState state) {
        long n = AvroSize.HEADER_BYTES + string(state.getResponseId()) + UNION + LONG;
        ResponseSnapshot r = state.getResponse();
        if (r != null) {
            n += string(r.getResponseId())
                    + string(r.getPromptId())
                    + string(r.getPrompt())
                    + string(r.getCompletion())
                    + LONG
                    + BOOLEAN
                    + UNION
                    + string(r.getTask())
                    + LONG
                    + UNION
                    + offset(r.getOffset())
                    + BOOLEAN
                    + UNION
                    + string(r.getUserId());
        }
        List<Vote> votes = state.getVotes();
        n += ARRAY;
        for (int i = 0, count = votes.size(); i < count; i++) {
            Vote v = votes.get(i);
            n += string(v.getUserId())
                    + string(v.getKind())
                    + string(v.getFeedbackId())
                    + 2 * LONG
                    + 3 * BOOLEAN
                    + UNION
                    + offset(v.getFeedbackOffset());
        }
        List<String> seen = state.getSeenFeedbackIds();
        n += ARRAY;
        for (int i = 0, count = seen.size(); i < count; i++) {
            n += string(seen.get(i));
        }
        n += ARRAY;
        for (PendingFeedback p : state.getEarly()) {
            n += string(p.getFeedbackId())
                    + string(p.getUserId())
                    + string(p.getKind())
                    + 2 * LONG
                    + UNION
                    + offset(p.getOffset())
                    + UNION
                    + bytes(p.getRawKey())
                    + UNION
                    + bytes(p.getRawValue());
        }
        return n;
    }

    private static long string(String s) {
        return s == null ? 0 : INT + 3L * s.length();
    }

    private static long bytes(ByteBuffer b) {
        return b == null ? 0 : INT + b.remaining();
    }

    private static long offset(SourceOffset o) {
        return o == null ? 0 : string(o.getTopic()) + INT + LONG;
    }
}
