package io.streamrlhf.trainer.loop;

import static io.streamrlhf.trainer.loop.TrainerItSupport.assertEachInExactlyOneLineage;
import static io.streamrlhf.trainer.loop.TrainerItSupport.coveredOffsets;
import static io.streamrlhf.trainer.loop.TrainerItSupport.startTrainer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamrlhf.avro.DecisionOutcome;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.avro.Provenance;
import io.streamrlhf.localstack.junit.EmbeddedKafkaExtension;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.Topics;
import io.streamrlhf.trainer.canary.GateEvaluator;
import io.streamrlhf.trainer.canary.GatePrompt;
import io.streamrlhf.trainer.config.TrainerConfig;
import io.streamrlhf.trainer.config.TrainerConfigFactory;
import io.streamrlhf.trainer.model.llama.ByteLlamaDirectory;
import io.streamrlhf.trainer.model.llama.LlamaPolicy;
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
 * The trainer after a rollback, on the embedded broker: it follows the canary decisions topic and, when a version
 * its weights descend from is rolled back, trains the next version from the last promoted one, while running and
 * across a restart. The decisions are written the way the streams application's canary controller writes them
 * (the controller itself lives in the streams module, which the trainer does not see).
 */
class RollbackRebaseIT {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static final String MODEL_ID = "rebased";
    private static final String HF_MODEL_ID = "hf-gated";
    private static final Duration DEADLINE = Duration.ofSeconds(180);

    private final TrainerItSupport support = new TrainerItSupport(KAFKA::bootstrapServers);

    @TempDir
    Path checkpoints;

    @Test
    void versionAfterRollbackContinuesFromLastPromotedWithoutTrainingItsExamplesAgain() throws Exception {
        // given example topics, a decisions topic and a trainer that follows it
        String prefix = KAFKA.uniquePrefix();
        Topics topics = new Topics(TopicNames.defaults().withPrefix(prefix), KAFKA.schemaRegistryClient());
        support.createTopics(topics.names());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topics.names().policyDecisions(), 1, (short) 1)))
                    .all()
                    .get();
        }
        Map<String, String> settings = support.trainerSettings(MODEL_ID, prefix, checkpoints, topics.names());
        settings.put("trainer.follow.decisions", "true");
        // Versions on the trainer's own clock, not paced by the decisions: this case needs versions published on
        // top of the one that is later rolled back (the paced trainer is PublishPacingIT's).
        settings.put("trainer.publish.max.undecided", "0");
        settings.put("topic.policy.decisions", topics.names().policyDecisions());
        settings.put("versions.signing.key", "k".repeat(40));
        TrainerConfig config = TrainerConfigFactory.fromProperties(settings);

        AtomicReference<Throwable> failure = new AtomicReference<>();
        OnlineTrainer first = new OnlineTrainer(config, topics, PublishHooks.NONE, gate());
        Thread thread = startTrainer(first, "trainer-1", failure);
        try {
            // when its versions up to P are promoted
            long promoted = absorb(topics, "a", 8);
            decide(topics, 0, DecisionOutcome.PROMOTED);
            decide(topics, promoted, DecisionOutcome.PROMOTED);
            // and the versions trained on after P end in one that is rolled back while the trainer runs
            long rolledBack = absorb(topics, "b", 8);
            assertThat(rolledBack).isGreaterThan(promoted);
            decide(topics, rolledBack, DecisionOutcome.ROLLED_BACK);
            await().atMost(DEADLINE).until(() -> first.baseVersion() == promoted);
            long next = absorb(topics, "c", 8);

            // then the next version is the promoted version's child and says why
            List<PolicyVersion> versions = history(topics);
            PolicyVersion rebased = firstAfter(versions, rolledBack);
            assertThat(rebased.getParentVersion()).isEqualTo(promoted);
            assertThat(rebased.getRebasedFrom()).isEqualTo(rolledBack);
            assertThat(rebased.getRebaseReason()).isEqualTo("version " + rolledBack + " ROLLED_BACK");
            // and its optimizer continued from the promoted version's state, not the rolled-back one's
            assertThat(optimizerStep(rebased))
                    .isEqualTo(optimizerStep(version(versions, promoted))
                            + rebased.getMetrics().get("steps"));
            assertThat(next).isGreaterThan(rolledBack);
            // and its gate measurements compare it with that parent on every held-out prompt
            assertThat(rebased.getGate().getParentVersion()).isEqualTo(promoted);
            assertThat(rebased.getGate().getPrompts()).isEqualTo(3);
            assertThat(rebased.getGate().getJudges())
                    .extracting(j -> j.getJudge())
                    .containsExactly("ends");
            // and it records its provenance
            Provenance provenance = rebased.getProvenance();
            assertThat(provenance.getTrainingConfig())
                    .containsEntry("trainer.model.id", MODEL_ID)
                    .containsEntry("trainer.model.width", "32")
                    .containsEntry("versions.signing.key", "***");
            assertThat(provenance.getTrainingConfigHash()).hasSize(64);
            assertThat(provenance.getCodeVersion()).matches("0\\.1\\.0-SNAPSHOT\\+([0-9a-f]{12}(-dirty)?|unknown)");
            assertThat(provenance.getBaseModel()).startsWith("builtin demo (layers=1, width=32, heads=2");
            assertThat(provenance.getDataSources())
                    .containsExactly(
                            "topic:" + topics.names().ktoExamples(),
                            "topic:" + topics.names().dpoPairs(),
                            "group:" + prefix + "trainer");
        } finally {
            first.stop();
            thread.join(30_000);
        }
        assertThat(failure.get()).isNull();

        // when the next versions are trained, the trainer is stopped, and the newest one is rolled back meanwhile
        OnlineTrainer second = new OnlineTrainer(config, topics, PublishHooks.NONE);
        thread = startTrainer(second, "trainer-2", failure);
        long rolledBackWhileDown;
        long promoted = history(topics).stream()
                .filter(v -> v.getRebasedFrom() != null)
                .findFirst()
                .orElseThrow()
                .getParentVersion();
        try {
            rolledBackWhileDown = absorb(topics, "d", 8);
        } finally {
            second.stop();
            thread.join(30_000);
        }
        decide(topics, rolledBackWhileDown, DecisionOutcome.ROLLED_BACK);
        OnlineTrainer third = new OnlineTrainer(config, topics, PublishHooks.NONE);
        thread = startTrainer(third, "trainer-3", failure);
        try {
            // then the restarted trainer rebuilds the decisions and continues from the promoted version again
            await().atMost(DEADLINE).until(() -> third.baseVersion() == promoted);
            absorb(topics, "e", 8);
        } finally {
            third.stop();
            thread.join(30_000);
        }
        assertThat(failure.get()).isNull();
        List<PolicyVersion> versions = history(topics);
        PolicyVersion afterRestart = firstAfter(versions, rolledBackWhileDown);
        assertThat(afterRestart.getParentVersion()).isEqualTo(promoted);
        assertThat(afterRestart.getRebasedFrom()).isEqualTo(rolledBackWhileDown);
        assertThat(optimizerStep(afterRestart))
                .isEqualTo(optimizerStep(version(versions, promoted))
                        + afterRestart.getMetrics().get("steps"));

        // and every example is in exactly one version's lineage: none trained again, none lost
        assertEachInExactlyOneLineage(support.committedExampleOffsets(topics.names()), versions);
        assertThat(versions.stream().filter(v -> v.getRebasedFrom() != null)).hasSize(2);
    }

    /**
     * The gate of a Hugging Face model (a tiny Llama directory trained through LoRA adapters): every version carries
     * the held-out counts of itself and its parent, and version 1's parent counts are those of version 0, the base
     * with its adapters still zero, measured by swapping version 0's adapters into the training model.
     */
    @Test
    void huggingFaceVersionsCarryGateMeasurementsAgainstTheirParent() throws Exception {
        // given a trainer of a Llama directory with the gate
        String prefix = KAFKA.uniquePrefix();
        Topics topics = new Topics(TopicNames.defaults().withPrefix(prefix), KAFKA.schemaRegistryClient());
        support.createTopics(topics.names());
        Path llama = ByteLlamaDirectory.write(checkpoints.resolve("llama"), 1, 16, 64, 7);
        Map<String, String> settings =
                support.trainerSettings(HF_MODEL_ID, prefix, checkpoints.resolve("ckpt"), topics.names());
        settings.put("trainer.model.dir", llama.toString());
        java.nio.file.Files.createDirectories(checkpoints.resolve("ckpt"));
        TrainerConfig config = TrainerConfigFactory.fromProperties(settings);
        GateEvaluator gate = gate();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        OnlineTrainer trainer = new OnlineTrainer(config, topics, PublishHooks.NONE, gate);
        Thread thread = startTrainer(trainer, "hf-trainer", failure);
        try {
            // when it trains on examples and publishes
            support.produce(topics, "hf", 8);
            await().atMost(DEADLINE)
                    .pollInterval(Duration.ofMillis(300))
                    .until(() -> support.history(topics, HF_MODEL_ID).versions().size() >= 3);
        } finally {
            trainer.stop();
            thread.join(30_000);
        }
        assertThat(failure.get()).isNull();

        // then each version after the first records the gate against its parent
        List<PolicyVersion> versions = support.history(topics, HF_MODEL_ID).versions();
        assertThat(versions.get(0).getGate()).isNull();
        for (PolicyVersion v : versions.subList(1, versions.size())) {
            assertThat(v.getGate()).as("gate of version %d", v.getVersion()).isNotNull();
            assertThat(v.getGate().getParentVersion()).isEqualTo(v.getParentVersion());
            assertThat(v.getGate().getPrompts()).isEqualTo(3);
            assertThat(v.getGate().getJudges()).extracting(j -> j.getJudge()).containsExactly("ends");
        }
        // and version 1's parent counts are the untrained base's, measured here on a fresh load of the directory
        int basePasses;
        try (LlamaPolicy base =
                LlamaPolicy.load(llama, config.hfModel().orElseThrow().lora(), 1, 64, ai.djl.Device.cpu())) {
            basePasses = gate.passes(base).get("ends");
        }
        assertThat(version(versions, 1).getGate().getJudges().get(0).getParentPassed())
                .isEqualTo(basePasses);
    }

    /** A gate with three prompts and one judge that passes completions ending before the token limit. */
    private static GateEvaluator gate() {
        return new GateEvaluator(
                List.of(
                        new GatePrompt("What is 1+1?", null, null),
                        new GatePrompt("What is 2+2?", null, null),
                        new GatePrompt("Hello", null, null)),
                4,
                (prompt, completion, truncated) -> Map.of("ends", !truncated),
                "test");
    }

    /** Produces {@code count} examples per topic and waits until versions absorb them; returns the newest version. */
    private long absorb(Topics topics, String idPrefix, int count) {
        support.produce(topics, idPrefix, count);
        Map<TopicPartition, TreeSet<Long>> all = support.committedExampleOffsets(topics.names());
        await().atMost(DEADLINE)
                .pollInterval(Duration.ofMillis(300))
                .until(() ->
                        coveredOffsets(support.history(topics, MODEL_ID), all).equals(all));
        return support.history(topics, MODEL_ID).latest().orElseThrow().getVersion();
    }

    private List<PolicyVersion> history(Topics topics) {
        return support.history(topics, MODEL_ID).versions();
    }

    private static PolicyVersion version(List<PolicyVersion> versions, long number) {
        return versions.stream()
                .filter(v -> v.getVersion() == number)
                .findFirst()
                .orElseThrow();
    }

    private static PolicyVersion firstAfter(List<PolicyVersion> versions, long number) {
        return version(versions, number + 1);
    }

    private static double optimizerStep(PolicyVersion v) {
        return v.getMetrics().getOrDefault("optimizer/step", 0.0);
    }

    /** Writes a decision as the canary controller does. */
    private static void decide(Topics topics, long version, DecisionOutcome outcome) {
        TrainerItSupport.writeDecision(KAFKA, topics, MODEL_ID, version, outcome);
    }
}
