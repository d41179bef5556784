package io.streamrlhf.producers.sampler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamrlhf.avro.CanaryDecision;
import io.streamrlhf.avro.DecisionOutcome;
import io.streamrlhf.avro.PolicyStatus;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.avro.Prompt;
import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.avro.ResponseSource;
import io.streamrlhf.localstack.junit.EmbeddedKafkaExtension;
import io.streamrlhf.producers.routing.DecisionFollower;
import io.streamrlhf.producers.routing.PolicyRouter;
import io.streamrlhf.producers.routing.RoutingTable;
import io.streamrlhf.schemas.registry.SchemaRegistryClient;
import io.streamrlhf.schemas.topic.TopicLayout;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.TopicProvisioner;
import io.streamrlhf.schemas.topic.Topics;
import io.streamrlhf.trainer.checkpoint.Checkpoint;
import io.streamrlhf.trainer.checkpoint.CheckpointNames;
import io.streamrlhf.trainer.checkpoint.CheckpointStore;
import io.streamrlhf.trainer.checkpoint.LocalCheckpointStore;
import io.streamrlhf.trainer.config.ModelConfig;
import io.streamrlhf.trainer.config.OptimizerConfig;
import io.streamrlhf.trainer.model.PolicyModel;
import io.streamrlhf.trainer.optim.AdamW;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class RolloutSamplerIT {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private final SchemaRegistryClient registry = KAFKA.schemaRegistryClient();

    @Test
    void rollsOutEachPromptKTimesAndHotSwapsToVerifiedNewVersions(@TempDir Path dir) throws Exception {
        Topics topics = new Topics(TopicNames.defaults().withPrefix(KAFKA.uniquePrefix()), registry);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()))) {
            new TopicProvisioner(admin).ensure(TopicLayout.defaults().specs(topics.names()));
        }
        CheckpointStore store = new LocalCheckpointStore(dir);
        SamplerConfig config = SamplerConfig.from(Map.of(
                "bootstrap.servers",
                KAFKA.bootstrapServers(),
                "sampler.k",
                "3",
                "sampler.max.tokens",
                "8",
                "sampler.transactional.id",
                KAFKA.uniqueName("sampler"),
                "sampler.group.id",
                KAFKA.uniqueName("sampler")));
        List<ResponseGenerated> responses = new CopyOnWriteArrayList<>();

        try (KafkaProducer<String, Object> producer = transactionalProducer(topics);
                PolicyFollower follower =
                        new PolicyFollower(KAFKA.bootstrapServers(), topics.policyVersions(), store, "policy");
                RolloutSampler sampler = new RolloutSampler(config, topics, follower);
                ResponseReader reader = new ResponseReader(topics, responses)) {
            new Thread(follower, "follower").start();
            new Thread(sampler, "sampler").start();
            new Thread(reader, "reader").start();

            // given version 0 and two prompts
            publish(producer, topics, version(store, 0));
            sendPrompts(producer, topics, "p1", "p2");
            await().atMost(Duration.ofSeconds(60)).until(() -> responses.size() == 6);
            assertThat(responses).allSatisfy(r -> {
                assertThat(r.getPolicyVersion()).isZero();
                assertThat(r.getSource()).isEqualTo(ResponseSource.SAMPLED_ROLLOUT);
                assertThat(r.getSampling().getMaxTokens()).isEqualTo(8);
                assertThat(r.getTokenLogprobs())
                        .isNotEmpty()
                        .allSatisfy(lp -> assertThat(lp).isLessThanOrEqualTo(0f))
                        .hasSizeLessThanOrEqualTo(9);
            });
            assertThat(responses).extracting(ResponseGenerated::getResponseId).doesNotHaveDuplicates();

            // when a corrupt version 1 and then a good version 2 are published
            PolicyVersion corrupt = version(store, 1);
            corrupt.setSha256("0".repeat(64));
            publish(producer, topics, corrupt);
            publish(producer, topics, version(store, 2));
            await().atMost(Duration.ofSeconds(60)).until(() -> sampler.currentVersion() == 2);
            sendPrompts(producer, topics, "p3");

            // then new prompts are rolled out by version 2, and the corrupt one was never served
            await().atMost(Duration.ofSeconds(60)).until(() -> responses.size() == 9);
            assertThat(responses.subList(6, 9))
                    .allSatisfy(r -> assertThat(r.getPolicyVersion()).isEqualTo(2));
            assertThat(responses).noneMatch(r -> r.getPolicyVersion() == 1);
            assertThat(sampler.rolloutsByVersion()).containsEntry(0L, 6L).containsEntry(2L, 3L);
        }
    }

    @Test
    void rollsOutTheCanaryForItsShareOfPromptsAndOnlyTheParentAfterARollback(@TempDir Path dir) throws Exception {
        Topics topics = new Topics(TopicNames.defaults().withPrefix(KAFKA.uniquePrefix()), registry);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()))) {
            new TopicProvisioner(admin).ensure(TopicLayout.defaults().specs(topics.names()));
        }
        CheckpointStore store = new LocalCheckpointStore(dir);
        SamplerConfig config = SamplerConfig.from(Map.of(
                "bootstrap.servers",
                KAFKA.bootstrapServers(),
                "sampler.k",
                "1",
                "sampler.max.tokens",
                "4",
                "sampler.transactional.id",
                KAFKA.uniqueName("sampler"),
                "sampler.group.id",
                KAFKA.uniqueName("sampler")));
        List<ResponseGenerated> responses = new CopyOnWriteArrayList<>();
        RoutingTable routes = new RoutingTable();

        try (KafkaProducer<String, Object> producer = transactionalProducer(topics);
                PolicyFollower follower =
                        new PolicyFollower(KAFKA.bootstrapServers(), topics.policyVersions(), store, "policy");
                DecisionFollower decisions =
                        new DecisionFollower(KAFKA.bootstrapServers(), Map.of(), topics.policyDecisions(), routes);
                RolloutSampler sampler = new RolloutSampler(config, topics, follower, new PolicyRouter(routes, 0.5));
                ResponseReader reader = new ResponseReader(topics, responses)) {
            new Thread(follower, "follower").start();
            decisions.start("decisions");
            new Thread(sampler, "sampler").start();
            new Thread(reader, "reader").start();

            // given version 0 promoted and version 1 its canary, at a share of one half
            publish(producer, topics, version(store, 0));
            publish(producer, topics, version(store, 1));
            decide(producer, topics, 0, DecisionOutcome.PROMOTED);
            decide(producer, topics, 1, DecisionOutcome.STARTED);
            await().atMost(Duration.ofSeconds(60))
                    .until(() ->
                            routes.route("policy").map(r -> r.canary() == 1).orElse(false));

            // when 40 prompts arrive, both versions roll them out (all on one side: probability 2^-39)
            sendPrompts(producer, topics, ids("a", 40));
            await().atMost(Duration.ofSeconds(120)).until(() -> responses.size() == 40);
            assertThat(responses)
                    .extracting(ResponseGenerated::getPolicyVersion)
                    .contains(0L, 1L);

            // and after the canary is rolled back, only the parent serves
            decide(producer, topics, 1, DecisionOutcome.ROLLED_BACK);
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> routes.route("policy").map(r -> !r.hasCanary()).orElse(false));
            sendPrompts(producer, topics, ids("b", 20));
            await().atMost(Duration.ofSeconds(120)).until(() -> responses.size() == 60);
            assertThat(responses.subList(40, 60))
                    .allSatisfy(r -> assertThat(r.getPolicyVersion()).isZero());
        }
    }

    private static String[] ids(String prefix, int n) {
        String[] out = new String[n];
        for (int i = 0; i < n; i++) {
            out[i] = prefix + i;
        }
        return out;
    }

    private static void decide(
            KafkaProducer<String, Object> producer, Topics topics, long version, DecisionOutcome outcome) {
        producer.beginTransaction();
        producer.send(new ProducerRecord<>(
                topics.policyDecisions().name(),
                "policy",
                CanaryDecision.newBuilder()
                        .setDecisionId("policy/" + version + "/" + outcome)
                        .setModelId("policy")
                        .setVersion(version)
                        .setOutcome(outcome)
                        .setStartedTime(Instant.now())
                        .setDecidedTime(Instant.now())
                        .build()));
        producer.commitTransaction();
    }

    private static PolicyVersion version(CheckpointStore store, long version) throws Exception {
        try (PolicyModel model = PolicyModel.create(ModelConfig.tiny());
                AdamW optimizer = new AdamW(OptimizerConfig.defaults(), model.parameters())) {
            Checkpoint checkpoint = Checkpoint.of(
                    "policy", version, version - 1, model, OptimizerConfig.defaults(), optimizer.exportState());
            CheckpointStore.Stored stored = store.write(CheckpointNames.name("policy", version), checkpoint);
            return PolicyVersion.newBuilder()
                    .setModelId("policy")
                    .setVersion(version)
                    .setParentVersion(version == 0 ? null : version - 1)
                    .setCheckpointUri(stored.uri().toString())
                    .setSha256(stored.sha256())
                    .setSizeBytes(stored.sizeBytes())
                    .setCreatedTime(Instant.now())
                    .setStatus(PolicyStatus.PUBLISHED)
                    .build();
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static KafkaProducer<String, Object> transactionalProducer(Topics topics) {
        KafkaProducer producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers(),
                        ProducerConfig.TRANSACTIONAL_ID_CONFIG, KAFKA.uniqueName("test")),
                topics.prompts().keySerde().serializer(),
                new RoutingSerializer(topics));
        producer.initTransactions();
        return producer;
    }

    private static void publish(KafkaProducer<String, Object> producer, Topics topics, PolicyVersion version) {
        producer.beginTransaction();
        producer.send(new ProducerRecord<>(topics.policyVersions().name(), "policy", version));
        producer.commitTransaction();
    }

    private static void sendPrompts(KafkaProducer<String, Object> producer, Topics topics, String... ids) {
        producer.beginTransaction();
        for (String id : ids) {
            producer.send(new ProducerRecord<>(
                    topics.prompts().name(),
                    id,
                    Prompt.newBuilder()
                            .setPromptId(id)
                            .setText("What is 2+2?")
                            .setTask("arithmetic")
                            .setReferenceAnswer("4")
                            .setEventTime(Instant.now())
                            .build()));
        }
        producer.commitTransaction();
    }

    /** Serializes prompts and policy versions with their topics' serdes. */
    private record RoutingSerializer(Topics topics)
            implements org.apache.kafka.common.serialization.Serializer<Object> {
        @Override
        public byte[] serialize(String topic, Object data) {
            if (data instanceof Prompt p) {
                return topics.prompts().valueSerde().serializer().serialize(topic, p);
            }
            if (data instanceof CanaryDecision d) {
                return topics.policyDecisions().valueSerde().serializer().serialize(topic, d);
            }
            return topics.policyVersions().valueSerde().serializer().serialize(topic, (PolicyVersion) data);
        }
    }

    /** Reads committed responses in the background. */
    private static final class ResponseReader implements Runnable, AutoCloseable {
        private final KafkaConsumer<String, ResponseGenerated> consumer;
        private final Topics topics;
        private final List<ResponseGenerated> sink;
        private volatile boolean running = true;

        ResponseReader(Topics topics, List<ResponseGenerated> sink) {
            this.topics = topics;
            this.sink = sink;
            this.consumer = new KafkaConsumer<>(
                    Map.of(
                            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                            KAFKA.bootstrapServers(),
                            ConsumerConfig.GROUP_ID_CONFIG,
                            KAFKA.uniqueName("reader"),
                            ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                            "read_committed",
                            ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                            "earliest"),
                    topics.responses().keySerde().deserializer(),
                    topics.responses().valueSerde().deserializer());
        }

        @Override
        public void run() {
            consumer.subscribe(List.of(topics.responses().name()));
            try {
                while (running) {
                    consumer.poll(Duration.ofMillis(100)).forEach(r -> sink.add(r.value()));
                }
            } catch (org.apache.kafka.common.errors.WakeupException e) {
                // closing
            } finally {
                consumer.close();
            }
        }

        @Override
        public void close() {
            running = false;
            consumer.wakeup();
        }
    }
}
