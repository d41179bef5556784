package io.streamrlhf.producers.sampler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamrlhf.avro.PolicyStatus;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.localstack.junit.EmbeddedKafkaExtension;
import io.streamrlhf.localstack.registry.EmbeddedSchemaRegistry;
import io.streamrlhf.producers.TopicWriter;
import io.streamrlhf.schemas.registry.RestSchemaRegistryClient;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.Topics;
import io.streamrlhf.schemas.util.Backoff;
import io.streamrlhf.trainer.checkpoint.Checkpoint;
import io.streamrlhf.trainer.checkpoint.CheckpointStore;
import io.streamrlhf.trainer.checkpoint.LocalCheckpointStore;
import io.streamrlhf.trainer.config.ModelConfig;
import io.streamrlhf.trainer.config.OptimizerConfig;
import io.streamrlhf.trainer.model.PolicyModel;
import io.streamrlhf.trainer.optim.AdamW;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The sampler's policy follower keeps following through bad records and a schema-registry outage. */
class PolicyFollowerIT {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @TempDir
    Path checkpoints;

    @Test
    void skipsAGarbageRecordAndLoadsTheGoodVersionAfterIt() throws Exception {
        // given a policy-versions topic holding a garbage record followed by a good version
        TopicNames names = TopicNames.defaults()
                .withPrefix("pf" + UUID.randomUUID().toString().substring(0, 8) + ".");
        createTopic(names.policyVersions());
        try (EmbeddedSchemaRegistry registry = KAFKA.startSchemaRegistry(names.schemas(), 0)) {
            Topics topics = new Topics(names, new RestSchemaRegistryClient(registry.url()));
            CheckpointStore store = new LocalCheckpointStore(checkpoints);
            send(names.policyVersions(), new byte[] {0, 0, 0, 0, 42, 7});
            send(
                    names.policyVersions(),
                    topics.policyVersions()
                            .valueSerde()
                            .serializer()
                            .serialize(names.policyVersions(), version(store, 1)));

            // when the follower reads the topic
            PolicyFollower follower = new PolicyFollower(
                    KAFKA.bootstrapServers(), topics.policyVersions(), store, "policy", fastBackoff());
            Thread thread = new Thread(follower, "follower-garbage");
            thread.start();
            try {
                // then it skips the garbage, counts it, and loads the good version after it
                await().atMost(Duration.ofSeconds(60)).until(() -> follower.latestLoaded() == 1);
                assertThat(follower.skippedRecords()).isEqualTo(1);
                PolicyFollower.LoadedPolicy loaded = follower.takeNewer(-1);
                assertThat(loaded.version()).isEqualTo(1);
                loaded.policy().close();
                assertThat(thread.isAlive()).isTrue();
            } finally {
                follower.close();
                thread.join(10_000);
            }
        }
    }

    @Test
    void retriesWhileTheRegistryIsDownAndLoadsTheVersionOnceItIsBack() throws Exception {
        // given a published version, then the registry going down before the follower ever asked it
        TopicNames names = TopicNames.defaults()
                .withPrefix("pf" + UUID.randomUUID().toString().substring(0, 8) + ".");
        createTopic(names.policyVersions());
        CheckpointStore store = new LocalCheckpointStore(checkpoints);
        EmbeddedSchemaRegistry registry = KAFKA.startSchemaRegistry(names.schemas(), 0);
        int port = registry.port();
        String url = registry.url();
        Topics producerTopics = new Topics(names, new RestSchemaRegistryClient(url));
        send(
                names.policyVersions(),
                producerTopics
                        .policyVersions()
                        .valueSerde()
                        .serializer()
                        .serialize(names.policyVersions(), version(store, 3)));
        registry.close();

        // when a follower with its own registry client starts during the outage
        Topics followerTopics = new Topics(
                names,
                new RestSchemaRegistryClient(RestSchemaRegistryClient.Config.of(url)
                        .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2))));
        PolicyFollower follower = new PolicyFollower(
                KAFKA.bootstrapServers(), followerTopics.policyVersions(), store, "policy", fastBackoff());
        Thread thread = new Thread(follower, "follower-outage");
        thread.start();
        try {
            // then it retries without skipping or dying
            await().atMost(Duration.ofSeconds(60)).until(() -> follower.retries() >= 3);
            assertThat(thread.isAlive()).isTrue();
            assertThat(follower.latestLoaded()).isEqualTo(-1);
            // and once the registry is back it loads the version it had been waiting on
            registry = KAFKA.startSchemaRegistry(names.schemas(), port);
            await().atMost(Duration.ofSeconds(60)).until(() -> follower.latestLoaded() == 3);
            assertThat(follower.skippedRecords()).isZero();
            PolicyFollower.LoadedPolicy loaded = follower.takeNewer(-1);
            assertThat(loaded.version()).isEqualTo(3);
            loaded.policy().close();
        } finally {
            follower.close();
            thread.join(10_000);
            registry.close();
        }
    }

    private static Backoff fastBackoff() {
        return new Backoff(Duration.ofMillis(50), Duration.ofMillis(500));
    }

    private static PolicyVersion version(CheckpointStore store, long version) throws Exception {
        try (PolicyModel model = PolicyModel.create(ModelConfig.tiny());
                AdamW optimizer = new AdamW(OptimizerConfig.defaults(), model.parameters())) {
            Checkpoint checkpoint = Checkpoint.of(
                    "policy", version, version - 1, model, OptimizerConfig.defaults(), optimizer.exportState());
            CheckpointStore.Stored stored = store.write("policy-v" + version + "-0000000" + version, checkpoint);
            return PolicyVersion.newBuilder()
                    .setModelId("policy")
                    .setVersion(version)
                    // The only version the follower sees: a model's first version names no parent.
                    .setParentVersion(null)
                    .setCheckpointUri(stored.uri().toString())
                    .setSha256(stored.sha256())
                    .setSizeBytes(stored.sizeBytes())
                    .setCreatedTime(Instant.now())
                    .setStatus(PolicyStatus.PUBLISHED)
                    .build();
        }
    }

    private static void createTopic(String topic) throws Exception {
        TopicWriter.createTopic(KAFKA.bootstrapServers(), topic);
    }

    private static void send(String topic, byte[] value) throws Exception {
        TopicWriter.send(KAFKA.bootstrapServers(), topic, "policy", value);
    }
}
