package io.streamrlhf.streams.kto;

import io.streamrlhf.avro.Feedback;
import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.streams.common.Sourced;

/**
 * Either side of the KTO join, so both can flow into one processor that owns the shared state. Stays inside the
 * process.
 *
 * @param response a response, or null
 * @param feedback a feedback record, or null
 */
public record KtoInput(Sourced<ResponseGenerated> response, Sourced<Feedback> feedback) {

    public static KtoInput ofResponse(Sourced<ResponseGenerated> response) {
        return new KtoInput(response, null);
    }

    public static KtoInput ofFeedback(Sourced<Feedback> feedback) {
        return new KtoInput(null, feedback);
    }
}
