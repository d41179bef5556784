package io.streamrlhf.streams.kto;

import io.streamrlhf.avro.KtoExample;
import io.streamrlhf.avro.OffsetRange;
import io.streamrlhf.streams.avro.KtoDecision;
import java.time.Instant;

/** Turns a decided (and capped) example into the public {@code KtoExample}. */
public final class KtoExamples {

    private KtoExamples() {
    }

    /** The public record for {@code d}; each source offset becomes a one-offset range. */
    public static KtoExample toExample(KtoDecision d) {
        return KtoExample.newBuilder()
                .setExampleId(d.getExampleId())
                .setResponseId(d.getResponseId())
                .setUserId(d.getUserId())
                .setPrompt(d.getPrompt())
                .setCompletion(d.getCompletion())
                .setLabel(d.getLabel())
                .setWeight(d.getWeight())
                .setCorrection(d.getCorrection())
                .setPolicyVersion(d.getPolicyVersion())
                .setResponseTime(Instant.ofEpochMilli(d.getResponseTime()))
                .setFeedbackTime(Instant.ofEpochMilli(d.getFeedbackTime()))
                .setSourceOffsets(d.getSourceOffsets().stream()
                        .map(o -> new OffsetRange(o.getTopic(), o.getPartition(), o.getOffset(), o.getOffset()))
                        .toList())
                .setTruncated(d.getTruncated())
                .build();
    }
}
