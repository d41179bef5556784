package io.streamrlhf.trainer.loop;

import static io.streamrlhf.trainer.loop.TrainerItSupport.startTrainer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamrlhf.avro.PolicyStatus;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.localstack.junit.EmbeddedKafkaExtension;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.Topics;
import io.streamrlhf.trainer.checkpoint.Checkpoint;
import io.streamrlhf.trainer.checkpoint.LocalCheckpointStore;
import io.streamrlhf.trainer.checkpoint.VersionSigner;
import io.streamrlhf.trainer.checkpoint.VersionVerifier;
import io.streamrlhf.trainer.checkpoint.VersionVerifier.Reason;
import io.streamrlhf.trainer.config.ModelConfig;
import io.streamrlhf.trainer.config.OptimizerConfig;
import io.streamrlhf.trainer.config.TrainerConfig;
import io.streamrlhf.trainer.config.TrainerConfigFactory;
import io.streamrlhf.trainer.model.PolicyModel;
import io.streamrlhf.trainer.optim.AdamW;
import io.streamrlhf.trainer.publish.PublishHooks;
import io.streamrlhf.trainer.publish.VersionHistory;
import io.streamrlhf.trainer.publish.VersionPublisher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Forged policy-version records on the embedded broker: the trainer's history refuses each, and restarts survive. */
class ForgedVersionsIT {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static final String MODEL_ID = "forged";
    private static final String KEY = "a-signing-key-of-at-least-32-characters!";
    private static final VersionSigner SIGNER = new VersionSigner(KEY);

    private final TrainerItSupport support = new TrainerItSupport(KAFKA::bootstrapServers);

    @TempDir
    Path checkpoints;

    @Test
    void aForgedUnsignedVersionWithAHugeNumberIsNotTheResumePointOfASigningTrainer() throws Exception {
        // given a signing trainer that published its warm start, then stopped
        Topics topics = topics();
        Map<String, String> settings = settings(topics);
        settings.put("versions.signing.key", KEY);
        TrainerConfig config = TrainerConfigFactory.fromProperties(settings);
        runUntilVersion(config, topics, 0, false);
        PolicyVersion v0 = support.history(topics, MODEL_ID).versions().get(0);

        // when a forger appends version 0's record renumbered huge, unsigned and with another key's signature
        PolicyVersion forged = PolicyVersion.newBuilder(v0)
                .setVersion(Long.MAX_VALUE - 1)
                .setParentVersion(0L)
                .setStatus(PolicyStatus.PUBLISHED)
                .build();
        send(topics, forged, null);
        send(topics, forged, new VersionSigner(KEY.toUpperCase()));

        // then the restarted trainer resumes at version 0, trains on and publishes version 1, signed
        runUntilVersion(config, topics, 1, true);
        VersionVerifier verifier =
                new VersionVerifier(MODEL_ID, Optional.of(SIGNER), new LocalCheckpointStore(checkpoints));
        VersionHistory history = VersionHistory.read(
                KAFKA.bootstrapServers(),
                Map.of(),
                topics.policyVersions(),
                MODEL_ID,
                verifier,
                Duration.ofSeconds(30));
        assertThat(history.versions()).extracting(PolicyVersion::getVersion).startsWith(0L, 1L);
        assertThat(verifier.refusals()).isEqualTo(Map.of(Reason.UNSIGNED, 1L, Reason.BAD_SIGNATURE, 1L));
    }

    @Test
    void aForgedVersionWithAHugeNumberBorrowingARealCheckpointDoesNotBreakRestartsWithoutAKey() throws Exception {
        // given a trainer without a signing key that published its warm start, then stopped
        Topics topics = topics();
        TrainerConfig config = TrainerConfigFactory.fromProperties(settings(topics));
        runUntilVersion(config, topics, 0, false);
        PolicyVersion v0 = support.history(topics, MODEL_ID).versions().get(0);

        // when a forger appends version 0's record renumbered huge, naming version 0 as its parent
        send(
                topics,
                PolicyVersion.newBuilder(v0)
                        .setVersion(Long.MAX_VALUE - 1)
                        .setParentVersion(0L)
                        .build(),
                null);

        // then the restarted trainer resumes at version 0 and publishes version 1 after it
        runUntilVersion(config, topics, 1, true);
        VersionVerifier verifier =
                new VersionVerifier(MODEL_ID, Optional.empty(), new LocalCheckpointStore(checkpoints));
        VersionHistory history = VersionHistory.read(
                KAFKA.bootstrapServers(),
                Map.of(),
                topics.policyVersions(),
                MODEL_ID,
                verifier,
                Duration.ofSeconds(30));
        assertThat(history.versions()).extracting(PolicyVersion::getVersion).startsWith(0L, 1L);
        assertThat(verifier.refusals()).isEqualTo(Map.of(Reason.CHECKPOINT_MISMATCH, 1L));
    }

    @Test
    void theHistoryRefusesEachKindOfForgeryWithItsReasonAndKeepsTheSignedVersions() throws Exception {
        // given versions 0 and 1 published and signed by the trainer's publisher
        Topics topics = topics();
        support.createTopics(topics.names());
        LocalCheckpointStore store = new LocalCheckpointStore(checkpoints, 1L << 24);
        Path outside = Files.writeString(checkpoints.getParent().resolve("forged-v2-0123abcd.ckpt"), "x");
        try (KafkaProducer<String, byte[]> producer = transactionalProducer();
                PolicyModel model = PolicyModel.create(ModelConfig.tiny());
                AdamW adam = new AdamW(OptimizerConfig.defaults(), model.parameters())) {
            VersionPublisher publisher = new VersionPublisher(
                    MODEL_ID,
                    store,
                    producer,
                    topics.policyVersions(),
                    topics.trainerMetrics(),
                    PublishHooks.NONE,
                    Optional.of(SIGNER));
            publish(publisher, model, adam, 0, PolicyStatus.WARM_START);
            PolicyVersion v1 = publish(publisher, model, adam, 1, PolicyStatus.PUBLISHED);

            // when forged records follow: each breaks one rule (all but the first two carry a valid signature,
            // as a leaked key would allow, so that only the rule under test fails)
            PolicyVersion v2 = PolicyVersion.newBuilder(v1)
                    .setVersion(2)
                    .setParentVersion(1L)
                    .build();
            send(topics, v2, null);
            send(topics, v2, new VersionSigner(KEY.toUpperCase()));
            send(topics, with(v1, b -> b.setVersion(Long.MAX_VALUE).setParentVersion(41L)), SIGNER);
            send(topics, with(v1, b -> b.setVersion(1).setParentVersion(0L)), SIGNER);
            send(topics, with(v2, b -> b.setCheckpointUri(outside.toUri().toString())), SIGNER);
            send(topics, with(v2, b -> b.setCheckpointUri("file:///dev/zero")), SIGNER);
            send(topics, with(v2, b -> b.setSizeBytes(1L << 40)), SIGNER);
            // and a good version 2 is published after them
            publish(publisher, model, adam, 2, PolicyStatus.PUBLISHED);
        }

        // then the history keeps exactly the signed versions and names each refusal's reason
        VersionVerifier verifier = new VersionVerifier(MODEL_ID, Optional.of(SIGNER), store);
        VersionHistory history = VersionHistory.read(
                KAFKA.bootstrapServers(),
                Map.of(),
                topics.policyVersions(),
                MODEL_ID,
                verifier,
                Duration.ofSeconds(30));
        assertThat(history.versions()).extracting(PolicyVersion::getVersion).containsExactly(0L, 1L, 2L);
        assertThat(history.latest()).map(PolicyVersion::getVersion).contains(2L);
        assertThat(history.refused()).hasSize(7);
        assertThat(verifier.refusals())
                .isEqualTo(Map.of(
                        Reason.UNSIGNED, 1L,
                        Reason.BAD_SIGNATURE, 1L,
                        Reason.UNKNOWN_PARENT, 1L,
                        Reason.NOT_NEWER, 1L,
                        Reason.OUTSIDE_STORE, 2L,
                        Reason.TOO_LARGE, 1L));
    }

    private Topics topics() {
        return new Topics(TopicNames.defaults().withPrefix(KAFKA.uniquePrefix()), KAFKA.schemaRegistryClient());
    }

    private Map<String, String> settings(Topics topics) throws Exception {
        support.createTopics(topics.names());
        return new HashMap<>(support.trainerSettings(MODEL_ID, KAFKA.uniquePrefix(), checkpoints, topics.names()));
    }

    /**
     * Runs a trainer until it has published at least {@code version} (feeding it examples when asked), then stops
     * it; it must have resumed below {@code version}.
     */
    private void runUntilVersion(TrainerConfig config, Topics topics, long version, boolean feed) throws Exception {
        OnlineTrainer trainer = new OnlineTrainer(config, topics, PublishHooks.NONE);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread thread = startTrainer(trainer, "trainer-" + version, failure);
        try {
            await().atMost(Duration.ofSeconds(120))
                    .until(() -> trainer.state() == OnlineTrainer.State.RUNNING
                            || trainer.state() == OnlineTrainer.State.FAILED);
            assertThat(failure.get()).isNull();
            assertThat(trainer.state()).isEqualTo(OnlineTrainer.State.RUNNING);
            assertThat(trainer.currentVersion()).isLessThanOrEqualTo(version);
            if (feed) {
                support.produce(topics, "e" + version + "-", 12);
            }
            await().atMost(Duration.ofSeconds(120)).until(() -> trainer.currentVersion() >= version);
            assertThat(failure.get()).isNull();
        } finally {
            trainer.stop();
            thread.join(30_000);
        }
    }

    private PolicyVersion publish(
            VersionPublisher publisher, PolicyModel model, AdamW adam, long version, PolicyStatus status)
            throws Exception {
        Checkpoint c =
                Checkpoint.of(MODEL_ID, version, version - 1, model, OptimizerConfig.defaults(), adam.exportState());
        return publisher.publish(
                new VersionPublisher.Request(c, status, List.of(), Map.of(), null, Map.of(), List.of()));
    }

    private static PolicyVersion with(PolicyVersion v, java.util.function.Consumer<PolicyVersion.Builder> change) {
        PolicyVersion.Builder b = PolicyVersion.newBuilder(v);
        change.accept(b);
        return b.build();
    }

    /** Appends {@code v} outside any transaction, as a forger with write access would, signed by {@code signer}. */
    private static void send(Topics topics, PolicyVersion v, VersionSigner signer) {
        byte[] value = topics.policyVersions()
                .valueSerde()
                .serializer()
                .serialize(topics.policyVersions().name(), v);
        RecordHeaders headers = new RecordHeaders();
        if (signer != null) {
            headers.add(VersionSigner.HEADER, signer.sign(value));
        }
        Map<String, Object> p = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topics.policyVersions().name(), null, MODEL_ID, value, headers));
            producer.flush();
        }
    }

    private static KafkaProducer<String, byte[]> transactionalProducer() {
        Map<String, Object> p = Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                KAFKA.bootstrapServers(),
                ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                KAFKA.uniqueName("publisher"));
        KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        producer.initTransactions();
        return producer;
    }
}
