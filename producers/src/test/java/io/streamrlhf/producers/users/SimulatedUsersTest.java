package io.streamrlhf.producers.users;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.avro.Feedback;
import io.streamrlhf.avro.FeedbackKind;
import io.streamrlhf.avro.PairwisePreference;
import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.avro.ResponseSource;
import io.streamrlhf.producers.MockKafka;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.junit.jupiter.api.Test;

class SimulatedUsersTest {

    private final MockKafka kafka = new MockKafka(true);

    static ResponseGenerated rollout(String responseId, String promptId, String prompt, String completion) {
        return ResponseGenerated.newBuilder()
                .setResponseId(responseId)
                .setPromptId(promptId)
                .setPrompt(prompt)
                .setCompletion(completion)
                .setSource(ResponseSource.SAMPLED_ROLLOUT)
                .setPolicyVersion(1)
                .setTask(null)
                .setEventTime(Instant.EPOCH)
                .build();
    }

    private SimulatedUsers users(double flip) {
        UserPopulation population =
                new UserPopulation(List.of(new SimulatedUser("only-user", UserTastes.DEFAULT, flip, 1.0, 1.0)));
        return new SimulatedUsers(
                population,
                kafka.client(),
                new MockConsumer<>("earliest"),
                kafka.topics.responses().name(),
                100,
                new Random(1));
    }

    @Test
    void givesThumbsByTasteToEachResponse() {
        // given
        SimulatedUsers users = users(0);

        // when
        users.onResponse(rollout("r1", "p1", "What is 3+4?", "7"));
        users.onResponse(rollout("r2", "p2", "Hi, I am Ana.", "go away"));

        // then
        List<MockKafka.KeyValue<Feedback>> feedback = kafka.sent(kafka.topics.feedback());
        assertThat(feedback).extracting(MockKafka.KeyValue::key).containsExactly("r1", "r2");
        assertThat(feedback)
                .extracting(kv -> kv.value().getKind())
                .containsExactly(FeedbackKind.THUMBS_UP, FeedbackKind.THUMBS_DOWN);
        assertThat(feedback).extracting(kv -> kv.value().getUserId()).containsOnly("only-user");
        assertThat(users.stats().thumbsUp()).isEqualTo(1);
        assertThat(users.stats().thumbsDown()).isEqualTo(1);
    }

    @Test
    void choosesBetweenTwoResponsesToTheSamePrompt() {
        // given
        SimulatedUsers users = users(0);
        users.onResponse(rollout("wrong", "p1", "What is 3+4?", "8"));

        // when
        users.onResponse(rollout("right", "p1", "What is 3+4?", "7"));
        users.onResponse(rollout("other", "p2", "What is 1+1?", "2"));

        // then
        List<MockKafka.KeyValue<PairwisePreference>> prefs = kafka.sent(kafka.topics.preferences());
        assertThat(prefs).hasSize(1);
        assertThat(prefs.get(0).key()).isEqualTo("p1");
        assertThat(prefs.get(0).value().getChosenResponseId()).isEqualTo("right");
        assertThat(prefs.get(0).value().getRejectedResponseId()).isEqualTo("wrong");
        assertThat(prefs.get(0).value().getUserId()).isEqualTo("only-user");
    }

    @Test
    void doesNotCompareARedeliveredResponseWithItself() {
        SimulatedUsers users = users(0);
        users.onResponse(rollout("r1", "p1", "What is 3+4?", "8"));

        users.onResponse(rollout("r1", "p1", "What is 3+4?", "8"));

        assertThat(kafka.sent(kafka.topics.preferences())).isEmpty();
    }

    @Test
    void countsTheComparisonsThatTieByTask() {
        // given
        SimulatedUsers users = users(0);
        users.onResponse(rollout("a1", "p1", "What is 3+4?", "8"));
        users.onResponse(rollout("c1", "p2", "Hello!", "Hello! How can I help you today?"));

        // when: two wrong sums (a tie of different texts), a right one against a wrong one, the same polite reply
        users.onResponse(rollout("a2", "p1", "What is 3+4?", "9"));
        users.onResponse(rollout("a3", "p3", "What is 1+1?", "3"));
        users.onResponse(rollout("a4", "p3", "What is 1+1?", "2"));
        users.onResponse(rollout("c2", "p2", "Hello!", "Hello! How can I help you today?"));

        // then
        assertThat(users.comparisons())
                .containsEntry("arithmetic", new SimulatedUsers.Comparisons(2, 1, 0))
                .containsEntry("chat", new SimulatedUsers.Comparisons(1, 1, 1));
        assertThat(kafka.sent(kafka.topics.preferences())).hasSize(1);
    }
}
