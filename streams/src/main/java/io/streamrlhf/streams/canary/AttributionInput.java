package io.streamrlhf.streams.canary;

import io.streamrlhf.avro.Feedback;
import io.streamrlhf.avro.JudgeVerdict;
import io.streamrlhf.avro.ResponseGenerated;

/**
 * One record of the attribution step, keyed by response id: a response, a feedback event or a judge verdict
 * (exactly one is set). In-process only: it never crosses a topic.
 *
 * @param response a response, or null
 * @param feedback a feedback event, or null
 * @param verdict a judge verdict, or null
 */
public record AttributionInput(ResponseGenerated response, Feedback feedback, JudgeVerdict verdict) {

    public static AttributionInput of(ResponseGenerated r) {
        return new AttributionInput(r, null, null);
    }

    public static AttributionInput of(Feedback f) {
        return new AttributionInput(null, f, null);
    }

    public static AttributionInput of(JudgeVerdict v) {
        return new AttributionInput(null, null, v);
    }
}
