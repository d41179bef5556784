package io.streamrlhf.producers.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.avro.Feedback;
import io.streamrlhf.avro.FeedbackKind;
import io.streamrlhf.avro.PairwisePreference;
import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.localstack.junit.EmbeddedKafkaExtension;
import io.streamrlhf.producers.TopicReader;
import io.streamrlhf.producers.config.ClientConfig;
import io.streamrlhf.producers.config.KafkaConnection;
import io.streamrlhf.schemas.registry.SchemaRegistryClient;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.Topics;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The client against a real broker: every event lands on its topic under the documented key. */
class ChatFeedbackClientIT {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @Test
    void writesResponsesThumbsAndPreferencesThatReadBackUnderTheirKeys() {
        // given
        SchemaRegistryClient registry = KAFKA.schemaRegistryClient();
        KafkaConnection connection = KafkaConnection.of(KAFKA.bootstrapServers())
                .withTopics(TopicNames.defaults().withPrefix(KAFKA.uniquePrefix()));
        Topics topics = new Topics(connection.topics(), registry);

        // when
        String a;
        String b;
        try (ChatFeedbackClient client = new ChatFeedbackClient(ClientConfig.defaults(connection), registry)) {
            a = PublishException.await(
                    client.recordResponse(
                            ChatResponse.of("p-1", "What is 2+2?", "4").withTask("arithmetic")),
                    30_000);
            b = PublishException.await(client.recordResponse(ChatResponse.of("p-1", "What is 2+2?", "5")), 30_000);
            PublishException.await(client.thumbsUp(a, "u-1"), 30_000);
            PublishException.await(client.thumbsDown(b, "u-1"), 30_000);
            PublishException.await(client.retract(b, "u-1"), 30_000);
            PublishException.await(client.prefer("p-1", a, b, "u-2"), 30_000);
        }

        // then
        try (TopicReader<ResponseGenerated> responses =
                        new TopicReader<>(KAFKA.bootstrapServers(), topics.responses());
                TopicReader<Feedback> feedback = new TopicReader<>(KAFKA.bootstrapServers(), topics.feedback());
                TopicReader<PairwisePreference> prefs =
                        new TopicReader<>(KAFKA.bootstrapServers(), topics.preferences())) {
            List<ConsumerRecord<String, ResponseGenerated>> r = responses.awaitAtLeast(2);
            assertThat(r).extracting(ConsumerRecord::key).containsExactly(a, b);
            assertThat(r.get(0).value().getCompletion()).isEqualTo("4");
            assertThat(r.get(0).value().getTask()).isEqualTo("arithmetic");

            List<ConsumerRecord<String, Feedback>> f = feedback.awaitAtLeast(3);
            assertThat(f).extracting(ConsumerRecord::key).containsExactly(a, b, b);
            assertThat(f)
                    .extracting(rec -> rec.value().getKind())
                    .containsExactly(FeedbackKind.THUMBS_UP, FeedbackKind.THUMBS_DOWN, FeedbackKind.RETRACT);

            List<ConsumerRecord<String, PairwisePreference>> p = prefs.awaitAtLeast(1);
            assertThat(p.get(0).key()).isEqualTo("p-1");
            assertThat(p.get(0).value().getChosenResponseId()).isEqualTo(a);
            assertThat(p.get(0).value().getRejectedResponseId()).isEqualTo(b);
        }
    }
}
