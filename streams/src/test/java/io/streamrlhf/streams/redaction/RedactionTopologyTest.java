package io.streamrlhf.streams.redaction;

import static io.streamrlhf.streams.support.Events.response;
import static io.streamrlhf.streams.support.Events.up;
import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.avro.KtoExample;
import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.streams.config.KtoConfig;
import io.streamrlhf.streams.config.ValidationConfig;
import io.streamrlhf.streams.kto.KtoTopology;
import io.streamrlhf.streams.support.Harness;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Redaction in the topology: examples carry the cleaned text, and the task metric counts what was changed. */
class RedactionTopologyTest {

    private static final long T0 = 1_700_000_000_000L;
    private Harness h;

    @AfterEach
    void close() {
        if (h != null) {
            h.close();
        }
    }

    @Test
    void aKtoExampleCarriesTheRedactedPromptAndCompletionAndTheMetricCountsTheResponse() {
        // given
        h = new Harness(serdes -> new KtoTopology(
                        KtoConfig.defaults().withSettleDelay(Duration.ZERO), ValidationConfig.defaults(), serdes)
                .build());
        ResponseGenerated r = response("r1", "p1", "Sure, mail me at bob@example.org", 1, T0);
        r.setPrompt("My card is 4111 1111 1111 1111, what now?");

        // when
        h.responses.pipeInput("r1", r, T0);
        h.responses.pipeInput("r2", response("r2", "p2", "4", 1, T0), T0);
        h.feedback.pipeInput("r1", up("f1", "r1", "u1", T0 + 1), T0 + 1);

        // then
        KtoExample example = h.examples.readValue();
        assertThat(example.getPrompt()).isEqualTo("My card is [REDACTED_CARD], what now?");
        assertThat(example.getCompletion()).isEqualTo("Sure, mail me at [REDACTED_EMAIL]");
        double redacted = h.driver.metrics().entrySet().stream()
                .filter(e -> e.getKey().name().equals("redacted-responses-total"))
                .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue())
                .sum();
        assertThat(redacted).isEqualTo(1.0);
    }
}
