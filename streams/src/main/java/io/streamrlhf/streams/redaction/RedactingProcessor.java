package io.streamrlhf.streams.redaction;

import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.streams.common.Sourced;
import java.util.Objects;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cleans each valid response's prompt and completion with a {@link Redactor} before anything keeps or emits them,
 * and counts the responses it changed in the task metrics {@code redacted-responses-total} and
 * {@code redacted-responses-rate} (group {@code stream-redaction-metrics}); each replacement is logged at debug.
 * The original bytes kept for dead letters are not changed.
 */
public final class RedactingProcessor
        implements FixedKeyProcessor<String, Sourced<ResponseGenerated>, Sourced<ResponseGenerated>> {

    private static final Logger log = LoggerFactory.getLogger(RedactingProcessor.class);

    private final Redactor redactor;
    private FixedKeyProcessorContext<String, Sourced<ResponseGenerated>> context;
    private Sensor redacted;

    public RedactingProcessor(Redactor redactor) {
        this.redactor = Objects.requireNonNull(redactor, "redactor");
    }

    @Override
    public void init(FixedKeyProcessorContext<String, Sourced<ResponseGenerated>> context) {
        this.context = context;
        this.redacted = context.metrics()
                .addRateTotalSensor("redaction", "task", "redacted-responses", Sensor.RecordingLevel.INFO);
    }

    @Override
    public void process(FixedKeyRecord<String, Sourced<ResponseGenerated>> record) {
        Sourced<ResponseGenerated> in = record.value();
        ResponseGenerated r = in.value();
        Redactor.Result prompt = redactor.apply(r.getPrompt());
        Redactor.Result completion = redactor.apply(r.getCompletion());
        int count = prompt.redactions() + completion.redactions();
        if (count == 0) {
            context.forward(record);
            return;
        }
        redacted.record();
        log.debug(
                "Redacted {} item(s) in response {} ({}-{}@{})",
                count,
                r.getResponseId(),
                in.topic(),
                in.partition(),
                in.offset());
        // A copy: the decoded record may be shared with other branches of the topology.
        ResponseGenerated cleaned = ResponseGenerated.newBuilder(r)
                .setPrompt(prompt.text())
                .setCompletion(completion.text())
                .build();
        context.forward(record.withValue(
                new Sourced<>(cleaned, in.topic(), in.partition(), in.offset(), in.rawKey(), in.rawValue())));
    }
}
