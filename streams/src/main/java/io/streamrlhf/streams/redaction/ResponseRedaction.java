package io.streamrlhf.streams.redaction;

import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.streams.common.Sourced;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import org.apache.kafka.common.metrics.Sensor;
import org.apache.kafka.streams.StreamsMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cleans each valid response's prompt and completion with a {@link Redactor} before anything keeps or emits them,
 * and counts the responses it changed in the task metrics {@code redacted-responses-total} and
 * {@code redacted-responses-rate} (group {@code stream-redaction-metrics}); each replacement is logged at debug.
 * The original bytes kept for dead letters are not changed.
 *
 * <p>A step of the node that decodes the responses, not a node of its own: every record pays a node hop (a forward,
 * the record context, the node's bookkeeping), and the redaction has nothing else to do per record when no pattern
 * can match.
 */
public final class ResponseRedaction implements UnaryOperator<Sourced<ResponseGenerated>> {

    private static final Logger log = LoggerFactory.getLogger(ResponseRedaction.class);

    private final Redactor redactor;
    private final Sensor redacted;

    private ResponseRedaction(Redactor redactor, Sensor redacted) {
        this.redactor = redactor;
        this.redacted = redacted;
    }

    /** The redaction of one task, made when its decoding node starts, counting in that task's metrics. */
    public static Function<StreamsMetrics, UnaryOperator<Sourced<ResponseGenerated>>> perTask(Redactor redactor) {
        Objects.requireNonNull(redactor, "redactor");
        return metrics -> new ResponseRedaction(
                redactor,
                metrics.addRateTotalSensor("redaction", "task", "redacted-responses", Sensor.RecordingLevel.INFO));
    }

    /** {@code in} itself when nothing in it matched, else a cleaned copy with the same coordinates and bytes. */
    @Override
    public Sourced<ResponseGenerated> apply(Sourced<ResponseGenerated> in) {
        ResponseGenerated r = in.value();
        Redactor.Result prompt = redactor.apply(r.getPrompt());
        Redactor.Result completion = redactor.apply(r.getCompletion());
        int count = prompt.redactions() + completion.redactions();
        if (count == 0) {
            return in;
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
        return new Sourced<>(cleaned, in.topic(), in.partition(), in.offset(), in.rawKey(), in.rawValue());
    }
}
