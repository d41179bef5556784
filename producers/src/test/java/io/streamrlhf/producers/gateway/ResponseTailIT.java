package io.streamrlhf.producers.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.localstack.junit.EmbeddedKafkaExtension;
import io.streamrlhf.localstack.registry.EmbeddedSchemaRegistry;
import io.streamrlhf.producers.TopicWriter;
import io.streamrlhf.producers.config.KafkaConnection;
import io.streamrlhf.schemas.registry.RestSchemaRegistryClient;
import io.streamrlhf.schemas.serde.SampleRecords;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.Topics;
import io.streamrlhf.schemas.util.Backoff;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The gateway's response tail keeps tailing through bad records and a schema-registry outage. */
class ResponseTailIT {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @Test
    void skipsAGarbageRecordAndRemembersTheResponseAfterIt() throws Exception {
        // given a responses topic holding a garbage record followed by a good response
        TopicNames names = names();
        createTopic(names.responses());
        try (EmbeddedSchemaRegistry registry = KAFKA.startSchemaRegistry(names.schemas(), 0)) {
            Topics topics = new Topics(names, new RestSchemaRegistryClient(registry.url()));
            send(names.responses(), new byte[] {0, 0, 0});
            send(
                    names.responses(),
                    topics.responses().valueSerde().serializer().serialize(names.responses(), response("r1", "p1")));
            RecentResponses recent = new RecentResponses(100);

            // when the tail reads the topic
            try (ResponseTail tail = new ResponseTail(
                    KafkaConnection.of(KAFKA.bootstrapServers()), topics.responses(), recent, 100, fastBackoff())) {
                tail.start();
                // then it skips the garbage, counts it, and remembers the response after it
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> recent.promptOf("r1").isPresent());
                assertThat(recent.promptOf("r1")).isEqualTo(Optional.of("p1"));
                assertThat(tail.skippedRecords()).isEqualTo(1);
            }
        }
    }

    @Test
    void retriesWhileTheRegistryIsDownAndRemembersTheResponseOnceItIsBack() throws Exception {
        // given a recorded response, then the registry going down before the tail ever asked it
        TopicNames names = names();
        createTopic(names.responses());
        EmbeddedSchemaRegistry registry = KAFKA.startSchemaRegistry(names.schemas(), 0);
        int port = registry.port();
        String url = registry.url();
        Topics producerTopics = new Topics(names, new RestSchemaRegistryClient(url));
        send(
                names.responses(),
                producerTopics
                        .responses()
                        .valueSerde()
                        .serializer()
                        .serialize(names.responses(), response("r2", "p2")));
        registry.close();
        RecentResponses recent = new RecentResponses(100);

        // when a tail with its own registry client starts during the outage
        Topics tailTopics = new Topics(
                names,
                new RestSchemaRegistryClient(RestSchemaRegistryClient.Config.of(url)
                        .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2))));
        try (ResponseTail tail = new ResponseTail(
                KafkaConnection.of(KAFKA.bootstrapServers()), tailTopics.responses(), recent, 100, fastBackoff())) {
            tail.start();
            // then it retries without skipping
            await().atMost(Duration.ofSeconds(60)).until(() -> tail.retries() >= 3);
            assertThat(recent.promptOf("r2")).isEmpty();
            // and once the registry is back it remembers the response it had been waiting on
            registry = KAFKA.startSchemaRegistry(names.schemas(), port);
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> recent.promptOf("r2").isPresent());
            assertThat(tail.skippedRecords()).isZero();
        } finally {
            registry.close();
        }
    }

    private static TopicNames names() {
        return TopicNames.defaults()
                .withPrefix("tail" + UUID.randomUUID().toString().substring(0, 8) + ".");
    }

    private static Backoff fastBackoff() {
        return new Backoff(Duration.ofMillis(50), Duration.ofMillis(500));
    }

    private static ResponseGenerated response(String responseId, String promptId) {
        ResponseGenerated r = SampleRecords.populated(ResponseGenerated.class, 7);
        r.setResponseId(responseId);
        r.setPromptId(promptId);
        return r;
    }

    private static void createTopic(String topic) throws Exception {
        TopicWriter.createTopic(KAFKA.bootstrapServers(), topic);
    }

    private static void send(String topic, byte[] value) throws Exception {
        TopicWriter.send(KAFKA.bootstrapServers(), topic, "k", value);
    }
}
