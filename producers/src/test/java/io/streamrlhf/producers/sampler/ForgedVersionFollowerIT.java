package io.streamrlhf.producers.sampler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamrlhf.avro.DeadLetter;
import io.streamrlhf.avro.PolicyStatus;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.localstack.junit.EmbeddedKafkaExtension;
import io.streamrlhf.producers.TopicWriter;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.Topics;
import io.streamrlhf.schemas.util.Backoff;
import io.streamrlhf.trainer.checkpoint.Checkpoint;
import io.streamrlhf.trainer.checkpoint.CheckpointNames;
import io.streamrlhf.trainer.checkpoint.CheckpointStore;
import io.streamrlhf.trainer.checkpoint.LocalCheckpointStore;
import io.streamrlhf.trainer.checkpoint.VersionSigner;
import io.streamrlhf.trainer.checkpoint.VersionVerifier.Reason;
import io.streamrlhf.trainer.config.ModelConfig;
import io.streamrlhf.trainer.config.OptimizerConfig;
import io.streamrlhf.trainer.model.PolicyModel;
import io.streamrlhf.trainer.optim.AdamW;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The sampler's follower with a signing key refuses and dead-letters forged versions and applies the good one. */
class ForgedVersionFollowerIT {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static final String KEY = "a-signing-key-of-at-least-32-characters!";
    private static final VersionSigner SIGNER = new VersionSigner(KEY);

    @TempDir
    Path root;

    @Test
    void refusesAndDeadLettersEachForgedVersionWithItsReasonAndAppliesTheGoodSignedOne() throws Exception {
        // given a signed version 0, forged records each breaking one rule, and a good signed version 1
        Topics topics =
                new Topics(TopicNames.defaults().withPrefix(KAFKA.uniquePrefix()), KAFKA.schemaRegistryClient());
        TopicWriter.createTopic(
                KAFKA.bootstrapServers(), topics.policyVersions().name());
        TopicWriter.createTopic(KAFKA.bootstrapServers(), topics.deadLetters().name());
        CheckpointStore store = new LocalCheckpointStore(Files.createDirectories(root.resolve("store")));
        Path outside = Files.writeString(root.resolve("policy-v1-0123abcd.ckpt"), "not in the store");
        PolicyVersion v0 = version(store, 0, null);
        PolicyVersion v1 = version(store, 1, 0L);
        List<byte[]> forged = new ArrayList<>();
        send(topics, v0, SIGNER);
        forged.add(send(topics, v1, null));
        forged.add(send(topics, v1, new VersionSigner(KEY.toUpperCase())));
        // (signed with the real key, as a leaked key would allow, so that only the rule under test fails)
        forged.add(send(topics, with(v1, b -> b.setVersion(Long.MAX_VALUE).setParentVersion(41L)), SIGNER));
        forged.add(send(topics, with(v1, b -> b.setParentVersion(5L)), SIGNER));
        forged.add(send(topics, with(v1, b -> b.setCheckpointUri(outside.toUri().toString())), SIGNER));
        forged.add(send(topics, with(v1, b -> b.setCheckpointUri("file:///dev/zero")), SIGNER));
        send(topics, v1, SIGNER);

        // when a follower with the key reads the topic
        try (VersionDeadLetters deadLetters =
                        new VersionDeadLetters(KAFKA.bootstrapServers(), Map.of(), topics.deadLetters());
                PolicyFollower follower = new PolicyFollower(
                        KAFKA.bootstrapServers(),
                        Map.of(),
                        topics.policyVersions(),
                        store,
                        "policy",
                        new Backoff(Duration.ofMillis(50), Duration.ofMillis(500)),
                        Optional.of(SIGNER),
                        deadLetters)) {
            Thread thread = new Thread(follower, "follower-forged");
            thread.start();
            try {
                // then it applies the good version 1
                await().atMost(Duration.ofSeconds(60)).until(() -> follower.latestLoaded() == 1);
                PolicyFollower.LoadedPolicy loaded = follower.takeNewer(-1);
                assertThat(loaded.version()).isEqualTo(1);
                loaded.policy().close();
                // and refused each forgery with its reason
                assertThat(follower.refusals())
                        .isEqualTo(Map.of(
                                Reason.UNSIGNED, 1L,
                                Reason.BAD_SIGNATURE, 1L,
                                Reason.UNKNOWN_PARENT, 2L,
                                Reason.OUTSIDE_STORE, 2L));
                assertThat(follower.failedLoads()).isZero();
            } finally {
                follower.close();
                thread.join(10_000);
            }
        }

        // and each forgery is in the dead-letter topic, with its exact bytes, coordinates and reason
        List<DeadLetter> letters = readDeadLetters(topics, forged.size());
        assertThat(letters)
                .extracting(l -> l.getReason().substring(0, l.getReason().indexOf(':')))
                .containsExactly(
                        "UNSIGNED",
                        "BAD_SIGNATURE",
                        "UNKNOWN_PARENT",
                        "UNKNOWN_PARENT",
                        "OUTSIDE_STORE",
                        "OUTSIDE_STORE");
        for (int i = 0; i < letters.size(); i++) {
            DeadLetter letter = letters.get(i);
            assertThat(letter.getErrorClass()).isEqualTo("validation");
            assertThat(letter.getTopic()).isEqualTo(topics.policyVersions().name());
            assertThat(letter.getOffset()).isEqualTo(i + 1L);
            assertThat(bytes(letter.getOriginalValue())).isEqualTo(forged.get(i));
            assertThat(letter.getReason()).doesNotContain(KEY);
        }
    }

    private static PolicyVersion version(CheckpointStore store, long version, Long parent) throws Exception {
        try (PolicyModel model = PolicyModel.create(ModelConfig.tiny());
                AdamW optimizer = new AdamW(OptimizerConfig.defaults(), model.parameters())) {
            Checkpoint checkpoint = Checkpoint.of(
                    "policy",
                    version,
                    parent == null ? -1 : parent,
                    model,
                    OptimizerConfig.defaults(),
                    optimizer.exportState());
            CheckpointStore.Stored stored = store.write(CheckpointNames.name("policy", version), checkpoint);
            return PolicyVersion.newBuilder()
                    .setModelId("policy")
                    .setVersion(version)
                    .setParentVersion(parent)
                    .setCheckpointUri(stored.uri().toString())
                    .setSha256(stored.sha256())
                    .setSizeBytes(stored.sizeBytes())
                    .setCreatedTime(Instant.now())
                    .setStatus(PolicyStatus.PUBLISHED)
                    .build();
        }
    }

    private static PolicyVersion with(PolicyVersion v, Consumer<PolicyVersion.Builder> change) {
        PolicyVersion.Builder b = PolicyVersion.newBuilder(v);
        change.accept(b);
        return b.build();
    }

    /** Appends {@code v}, signed by {@code signer} when not null, and returns its value bytes. */
    private static byte[] send(Topics topics, PolicyVersion v, VersionSigner signer) throws Exception {
        String topic = topics.policyVersions().name();
        byte[] value = topics.policyVersions().valueSerde().serializer().serialize(topic, v);
        RecordHeaders headers = new RecordHeaders();
        if (signer != null) {
            headers.add(VersionSigner.HEADER, signer.sign(value));
        }
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()),
                new StringSerializer(),
                new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, null, "policy", value, headers))
                    .get();
        }
        return value;
    }

    private static List<DeadLetter> readDeadLetters(Topics topics, int count) {
        List<DeadLetter> letters = new ArrayList<>();
        try (KafkaConsumer<byte[], DeadLetter> consumer = new KafkaConsumer<>(
                Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()),
                new ByteArrayDeserializer(),
                topics.deadLetters().valueSerde().deserializer())) {
            TopicPartition tp = new TopicPartition(topics.deadLetters().name(), 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<byte[], DeadLetter> r : consumer.poll(Duration.ofMillis(200))) {
                    letters.add(r.value());
                }
                return letters.size() >= count;
            });
        }
        return letters;
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }
}
