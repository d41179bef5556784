package io.streamrlhf.producers.tasks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamrlhf.avro.Prompt;
import io.streamrlhf.producers.MockKafka;
import io.streamrlhf.producers.config.KafkaConnection;
import io.streamrlhf.producers.config.PromptSourceConfig;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class PromptSourceTest {

    private final MockKafka kafka = new MockKafka(true);

    private PromptSource source(double rate, long maxCount, long seed) {
        PromptSourceConfig d = PromptSourceConfig.defaults(KafkaConnection.of("unused:9092"));
        PromptSourceConfig config = new PromptSourceConfig(rate, 0.5, 20, seed, maxCount, d.client());
        return new PromptSource(config, kafka.publisher, kafka.topics.prompts(), MockKafka.CLOCK);
    }

    @Test
    void emitsPromptsKeyedByPromptIdWithTaskAndReferenceAnswer() {
        // given
        PromptSource source = source(1, 0, 7);

        // when
        for (int i = 0; i < 50; i++) {
            source.emitOne().join();
        }

        // then
        List<MockKafka.KeyValue<Prompt>> sent = kafka.sent(kafka.topics.prompts());
        assertThat(sent)
                .hasSize(50)
                .allSatisfy(kv -> assertThat(kv.key()).isEqualTo(kv.value().getPromptId()));
        assertThat(sent).extracting(kv -> kv.value().getTask()).contains("arithmetic", "chat");
        sent.stream()
                .map(MockKafka.KeyValue::value)
                .filter(p -> p.getTask().equals("arithmetic"))
                .forEach(p -> assertThat(ArithmeticTask.answerOf(p.getText()).map(String::valueOf))
                        .contains(p.getReferenceAnswer()));
        sent.stream()
                .map(MockKafka.KeyValue::value)
                .filter(p -> p.getTask().equals("chat"))
                .forEach(p -> assertThat(p.getReferenceAnswer()).isNull());
        assertThat(source.emitted()).isEqualTo(50);
    }

    @Test
    void drawsTheSameTextsForTheSameSeedButFreshIds() {
        PromptSource a = source(1, 0, 3);
        PromptSource b = source(1, 0, 3);

        Prompt first = a.nextPrompt();
        Prompt second = b.nextPrompt();

        assertThat(first.getText()).isEqualTo(second.getText());
        assertThat(first.getPromptId()).isNotEqualTo(second.getPromptId());
    }

    @Test
    void stopsAtTheConfiguredCountWhenRunningAtARate() {
        try (PromptSource source = source(200, 5, 1).start()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> source.emitted() == 5);
            await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(2)).until(() -> source.emitted() == 5);
        }
        assertThat(kafka.sent(kafka.topics.prompts())).hasSize(5);
    }
}
