package io.streamrlhf.producers.users;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamrlhf.avro.Feedback;
import io.streamrlhf.avro.FeedbackKind;
import io.streamrlhf.avro.PairwisePreference;
import io.streamrlhf.avro.Prompt;
import io.streamrlhf.localstack.junit.EmbeddedKafkaExtension;
import io.streamrlhf.producers.TopicReader;
import io.streamrlhf.producers.client.ChatFeedbackClient;
import io.streamrlhf.producers.client.PublishException;
import io.streamrlhf.producers.config.ClientConfig;
import io.streamrlhf.producers.config.KafkaConnection;
import io.streamrlhf.producers.config.PopulationConfig;
import io.streamrlhf.producers.config.PromptSourceConfig;
import io.streamrlhf.producers.config.UsersConfig;
import io.streamrlhf.producers.tasks.ArithmeticTask;
import io.streamrlhf.producers.tasks.PromptSource;
import io.streamrlhf.schemas.registry.SchemaRegistryClient;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The simulated-users loop and the prompt source on a real broker. */
class SimulatedUsersIT {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private final SchemaRegistryClient registry = KAFKA.schemaRegistryClient();

    @Test
    void usersRateRolloutsAndChooseBetweenAnswersToTheSamePrompt() {
        // given: two rollouts per prompt, one right and one wrong, already on the responses topic
        KafkaConnection connection = KafkaConnection.of(KAFKA.bootstrapServers())
                .withTopics(TopicNames.defaults().withPrefix(KAFKA.uniquePrefix()));
        Topics topics = new Topics(connection.topics(), registry);
        try (ChatFeedbackClient writer = new ChatFeedbackClient(ClientConfig.defaults(connection), registry)) {
            for (int i = 0; i < 5; i++) {
                String prompt = "What is " + i + "+3?";
                String answer = String.valueOf(i + 3);
                PublishException.await(
                        writer.record(SimulatedUsersTest.rollout("right-" + i, "p-" + i, prompt, answer)), 30_000);
                PublishException.await(
                        writer.record(SimulatedUsersTest.rollout("wrong-" + i, "p-" + i, prompt, answer + "0")),
                        30_000);
            }
        }
        PopulationConfig honestAndEager =
                PopulationConfig.defaults().withNoise(0).withRates(1, 1);
        UsersConfig config = new UsersConfig(
                honestAndEager.withSpread(0),
                "users-it",
                100,
                ClientConfig.defaults(connection).withClientId("users-it"));

        // when
        try (SimulatedUsers users = new SimulatedUsers(config, registry).start();
                TopicReader<Feedback> feedback = new TopicReader<>(KAFKA.bootstrapServers(), topics.feedback());
                TopicReader<PairwisePreference> prefs =
                        new TopicReader<>(KAFKA.bootstrapServers(), topics.preferences())) {

            // then
            List<ConsumerRecord<String, Feedback>> thumbs = feedback.awaitAtLeast(10);
            Map<String, FeedbackKind> byResponse = thumbs.stream()
                    .collect(
                            Collectors.toMap(ConsumerRecord::key, r -> r.value().getKind(), (a, b) -> a));
            assertThat(byResponse).hasSize(10);
            byResponse.forEach((id, kind) -> assertThat(kind)
                    .as(id)
                    .isEqualTo(id.startsWith("right") ? FeedbackKind.THUMBS_UP : FeedbackKind.THUMBS_DOWN));

            List<ConsumerRecord<String, PairwisePreference>> choices = prefs.awaitAtLeast(5);
            assertThat(choices).allSatisfy(r -> {
                assertThat(r.value().getChosenResponseId()).startsWith("right-");
                assertThat(r.value().getRejectedResponseId())
                        .isEqualTo(r.value().getChosenResponseId().replace("right", "wrong"));
                assertThat(r.key()).isEqualTo(r.value().getPromptId());
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> users.stats().responsesSeen() == 10);
            assertThat(users.stats().failedWrites()).isZero();
        }
    }

    @Test
    void promptSourceEmitsPromptsWithTaskAndReferenceAtItsRate() {
        // given
        KafkaConnection connection = KafkaConnection.of(KAFKA.bootstrapServers())
                .withTopics(TopicNames.defaults().withPrefix(KAFKA.uniquePrefix()));
        Topics topics = new Topics(connection.topics(), registry);
        PromptSourceConfig config = new PromptSourceConfig(
                50, 1.0, 20, 1, 8, ClientConfig.defaults(connection).withClientId("prompts-it"));

        // when
        try (PromptSource source = new PromptSource(config, registry).start();
                TopicReader<Prompt> reader = new TopicReader<>(KAFKA.bootstrapServers(), topics.prompts())) {

            // then
            List<ConsumerRecord<String, Prompt>> prompts = reader.awaitAtLeast(8);
            assertThat(prompts).hasSize(8).allSatisfy(r -> {
                assertThat(r.value().getTask()).isEqualTo("arithmetic");
                assertThat(ArithmeticTask.answerOf(r.value().getText()).map(String::valueOf))
                        .contains(r.value().getReferenceAnswer());
            });
            assertThat(source.emitted()).isEqualTo(8);
        }
    }
}
