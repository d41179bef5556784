package io.streamrlhf.trainer.loop;

import static io.streamrlhf.trainer.loop.TrainerItSupport.assertEachInExactlyOneLineage;
import static io.streamrlhf.trainer.loop.TrainerItSupport.coveredOffsets;
import static io.streamrlhf.trainer.loop.TrainerItSupport.startTrainer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamrlhf.avro.DecisionOutcome;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.localstack.junit.EmbeddedKafkaExtension;
import io.streamrlhf.schemas.topic.Topics;
import io.streamrlhf.trainer.config.TrainerConfig;
import io.streamrlhf.trainer.config.TrainerConfigFactory;
import io.streamrlhf.trainer.publish.PublishHooks;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The trainer paced by the canary ({@code trainer.publish.max.undecided}, 1 by default with
 * {@code trainer.follow.decisions}), on the embedded broker: while its newest version awaits its canary decision it
 * keeps training but publishes nothing, and publishes once when the decision arrives; after a rollback the rebased
 * version is published as before. The decisions are written the way the streams application's canary controller
 * writes them (the controller lives in the streams module, which the trainer does not see).
 */
class PublishPacingIT {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static final Duration DEADLINE = Duration.ofSeconds(180);

    private final TrainerItSupport support = new TrainerItSupport(KAFKA::bootstrapServers);

    @TempDir
    Path checkpoints;

    @Test
    void aVersionAwaitingItsDecisionHoldsTheNextPublishWhileTrainingGoesOn() throws Exception {
        // given a trainer that follows the decisions (publishing every 2 steps or every second otherwise)
        String model = "paced";
        String prefix = KAFKA.uniquePrefix();
        Topics topics = topics(prefix);
        TrainerConfig config = TrainerConfigFactory.fromProperties(settings(model, prefix, topics, Map.of()));
        assertThat(config.publishMaxUndecided()).isEqualTo(1);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        OnlineTrainer trainer = new OnlineTrainer(config, topics, PublishHooks.NONE);
        Thread thread = startTrainer(trainer, "paced-trainer", failure);
        try {
            await().atMost(DEADLINE).until(() -> trainer.currentVersion() == 0);
            decide(topics, model, 0, DecisionOutcome.PROMOTED);
            support.produce(topics, "a", 8);
            await().atMost(DEADLINE).until(() -> latest(topics, model) >= 1);
            assertThat(latest(topics, model)).isEqualTo(1);

            // when version 1 runs as the canary and the trainer trains three times the steps of a version
            decide(topics, model, 1, DecisionOutcome.STARTED);
            long steps = trainer.stats().steps();
            support.produce(topics, "b", 32);
            await().atMost(DEADLINE)
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> trainer.stats().steps() >= steps + 6 && trainer.publishHeld());

            // then it published nothing since
            assertThat(latest(topics, model)).isEqualTo(1);

            // when version 1 is promoted
            decide(topics, model, 1, DecisionOutcome.PROMOTED);
            await().atMost(DEADLINE).until(() -> latest(topics, model) >= 2);

            // then one version carries what was trained meanwhile, with how long it was held back
            PolicyVersion second = version(topics, model, 2);
            assertThat(second.getParentVersion()).isEqualTo(1);
            assertThat(second.getMetrics().get("steps")).isGreaterThanOrEqualTo(6.0);
            assertThat(second.getMetrics().get("held/seconds")).isPositive();

            // when version 2 is rolled back while more is trained on it
            long stepsAtSecond = trainer.stats().steps();
            support.produce(topics, "c", 16);
            await().atMost(DEADLINE)
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> trainer.stats().steps() >= stepsAtSecond + 2 && trainer.publishHeld());
            assertThat(latest(topics, model)).isEqualTo(2);
            decide(topics, model, 2, DecisionOutcome.ROLLED_BACK);

            // then the next version is rebased onto version 1 and published without waiting for another decision
            await().atMost(DEADLINE).until(() -> latest(topics, model) >= 3);
            PolicyVersion rebased = version(topics, model, 3);
            assertThat(rebased.getParentVersion()).isEqualTo(1);
            assertThat(rebased.getRebasedFrom()).isEqualTo(2);

            // and once it is promoted, everything left is published
            decide(topics, model, 3, DecisionOutcome.PROMOTED);
            Map<TopicPartition, TreeSet<Long>> all = support.committedExampleOffsets(topics.names());
            await().atMost(DEADLINE)
                    .pollInterval(Duration.ofMillis(300))
                    .until(() ->
                            coveredOffsets(support.history(topics, model), all).equals(all));
        } finally {
            trainer.stop();
            thread.join(30_000);
        }
        assertThat(failure.get()).isNull();
        // and each example is in exactly one version's lineage: holding back neither lost nor repeated any
        assertEachInExactlyOneLineage(
                support.committedExampleOffsets(topics.names()),
                support.history(topics, model).versions());
    }

    @Test
    void withoutDecisionsTheTrainerPublishesAfterTheLongestHold() throws Exception {
        // given a trainer that follows a decisions topic no controller writes to
        String model = "undecided";
        String prefix = KAFKA.uniquePrefix();
        Topics topics = topics(prefix);
        TrainerConfig config = TrainerConfigFactory.fromProperties(
                settings(model, prefix, topics, Map.of("trainer.publish.hold.max", "3s")));
        AtomicReference<Throwable> failure = new AtomicReference<>();
        OnlineTrainer trainer = new OnlineTrainer(config, topics, PublishHooks.NONE);
        Thread thread = startTrainer(trainer, "undecided-trainer", failure);
        try {
            // when it trains
            support.produce(topics, "a", 8);
            await().atMost(DEADLINE).until(() -> latest(topics, model) >= 1);
        } finally {
            trainer.stop();
            thread.join(30_000);
        }
        assertThat(failure.get()).isNull();
        // then version 1 was published after holding it back for trainer.publish.hold.max
        assertThat(version(topics, model, 1).getMetrics().get("held/seconds")).isGreaterThanOrEqualTo(3.0);
    }

    private Topics topics(String prefix) throws Exception {
        Topics topics = support.createTopics(prefix, KAFKA.schemaRegistryClient());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topics.names().policyDecisions(), 1, (short) 1)))
                    .all()
                    .get();
        }
        return topics;
    }

    private Map<String, String> settings(String model, String prefix, Topics topics, Map<String, String> extra) {
        Map<String, String> settings = support.trainerSettings(model, prefix, checkpoints, topics.names());
        settings.put("trainer.follow.decisions", "true");
        settings.put("topic.policy.decisions", topics.names().policyDecisions());
        settings.putAll(extra);
        return settings;
    }

    private long latest(Topics topics, String model) {
        return support.history(topics, model)
                .latest()
                .map(PolicyVersion::getVersion)
                .orElse(-1L);
    }

    private PolicyVersion version(Topics topics, String model, long number) {
        return support.history(topics, model).version(number).orElseThrow();
    }

    /** Writes a decision as the canary controller does. */
    private static void decide(Topics topics, String model, long version, DecisionOutcome outcome) {
        TrainerItSupport.writeDecision(KAFKA, topics, model, version, outcome);
    }
}
