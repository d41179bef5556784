package io.streamrlhf.streams.kto;

import io.streamrlhf.avro.KtoExample;
import io.streamrlhf.avro.OffsetRange;
import io.streamrlhf.streams.avro.KtoDecision;
import io.streamrlhf.streams.avro.SourceOffset;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/** Turns a decided (and capped) example into the public {@code KtoExample}. */
public final class KtoExamples {

    private KtoExamples() {}

    /**
     * Writes a decision as the {@code KtoExample} it becomes, the bytes of {@code examples}' serializer
     * ({@link KtoExampleWriter}): lets the sink take the decisions straight from the join, with no node in between
     * that only converts. Serializes only.
     */
    public static Serde<KtoDecision> decisionsAsExamples(Serde<KtoExample> examples) {
        return Serdes.serdeFrom(new KtoExampleWriter(examples.serializer()), (topic, bytes) -> {
            throw new UnsupportedOperationException("written as KtoExample: read it with the KtoExample serde");
        });
    }

    /**
     * The public record for {@code d}; each source offset becomes a one-offset range. Every field is set here, so
     * the record is made with setters rather than Avro's builder, which resolves defaults on each build (a few
     * percent of a stream thread's time at full load).
     */
    public static KtoExample toExample(KtoDecision d) {
        List<OffsetRange> ranges = new ArrayList<>(d.getSourceOffsets().size());
        for (SourceOffset o : d.getSourceOffsets()) {
            ranges.add(new OffsetRange(o.getTopic(), o.getPartition(), o.getOffset(), o.getOffset()));
        }
        KtoExample e = new KtoExample();
        e.setExampleId(d.getExampleId());
        e.setResponseId(d.getResponseId());
        e.setUserId(d.getUserId());
        e.setPrompt(d.getPrompt());
        e.setCompletion(d.getCompletion());
        e.setLabel(d.getLabel());
        e.setWeight(d.getWeight());
        e.setCorrection(d.getCorrection());
        e.setPolicyVersion(d.getPolicyVersion());
        e.setResponseTime(Instant.ofEpochMilli(d.getResponseTime()));
        e.setFeedbackTime(Instant.ofEpochMilli(d.getFeedbackTime()));
        e.setSourceOffsets(ranges);
        e.setTruncated(d.getTruncated());
        return e;
    }
}
