package io.streamrlhf.producers.sampler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.streamrlhf.avro.CanaryDecision;
import io.streamrlhf.avro.CheckpointChunk;
import io.streamrlhf.avro.DecisionOutcome;
import io.streamrlhf.avro.PolicyStatus;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.localstack.junit.EmbeddedKafkaExtension;
import io.streamrlhf.producers.TopicWriter;
import io.streamrlhf.schemas.topic.TopicLayout;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.TopicSpec;
import io.streamrlhf.schemas.topic.Topics;
import io.streamrlhf.schemas.util.Backoff;
import io.streamrlhf.trainer.checkpoint.Checkpoint;
import io.streamrlhf.trainer.checkpoint.CheckpointChunks;
import io.streamrlhf.trainer.checkpoint.HfCheckpointFiles;
import io.streamrlhf.trainer.checkpoint.HfLayout;
import io.streamrlhf.trainer.checkpoint.KafkaCheckpointStore;
import io.streamrlhf.trainer.checkpoint.UntrustedCheckpointException;
import io.streamrlhf.trainer.checkpoint.VersionVerifier;
import io.streamrlhf.trainer.config.ModelConfig;
import io.streamrlhf.trainer.config.OptimizerConfig;
import io.streamrlhf.trainer.generate.Generation;
import io.streamrlhf.trainer.generate.LlamaGenerator;
import io.streamrlhf.trainer.generate.SamplingConfig;
import io.streamrlhf.trainer.model.GradMode;
import io.streamrlhf.trainer.model.llama.ByteLlamaDirectory;
import io.streamrlhf.trainer.model.llama.LlamaModel;
import io.streamrlhf.trainer.model.llama.LoraAdapters;
import io.streamrlhf.trainer.model.llama.LoraConfig;
import io.streamrlhf.trainer.optim.OptimizerState;
import io.streamrlhf.trainer.publish.PublishHooks;
import io.streamrlhf.trainer.publish.VersionPublisher;
import io.streamrlhf.trainer.tokenizer.HfTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Versions without shared storage: the trainer's publisher writes LoRA versions of a tiny Llama directory to the
 * kafka checkpoint store, and a sampler with its own data directory (its own copy of the base model, no checkpoint
 * folder) loads and hot-swaps them from Kafka alone. A publish that does not commit leaves no readable chunk, and
 * retention tombstones versions that are neither version 0, among the last N, nor promoted.
 */
class KafkaCheckpointStoreIT {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static final String MODEL = "policy";
    private static final LoraConfig LORA = new LoraConfig(4, 8, 0.0, LoraConfig.allTargets(), false);
    private static final List<String> PROMPTS = List.of("What is 2+2?", "Hi", "Tell me a story about a cat");
    private static final SamplingConfig GREEDY = SamplingConfig.greedy(12);
    /** Small chunks, so that every adapter file spans several of them. */
    private static final int CHUNK_BYTES = 1024;

    @TempDir
    Path tmp;

    private String checkpointsTopic;

    @Test
    void aSamplerWithoutSharedFilesLoadsAndSwapsVersionsAndAbortedOrRetiredVersionsCannotBeRead() throws Exception {
        // given the trainer's data directory with the base model, and the topics as the stack provisions them
        Path trainerModel = ByteLlamaDirectory.write(tmp.resolve("trainer/model"), 2, 32, 128, 3);
        TopicNames names = TopicNames.defaults()
                .withPrefix("kc" + UUID.randomUUID().toString().substring(0, 8) + ".");
        createTopics(names);
        checkpointsTopic = names.policyCheckpoints();
        Topics topics = new Topics(names, KAFKA.schemaRegistryClient());
        String transactionalId = "kafka-store-it-" + UUID.randomUUID();
        Map<Long, Checkpoint> published = new LinkedHashMap<>();

        KafkaProducer<String, byte[]> producer = transactionalProducer(transactionalId);
        VersionPublisher publisher = new VersionPublisher(
                MODEL, trainerStore(topics), producer, topics.policyVersions(), topics.trainerMetrics(), hooks(-1));
        publish(publisher, checkpoint(trainerModel, 0, 5), published);
        publish(publisher, checkpoint(trainerModel, 1, 11), published);

        // and a sampler in another data directory: its own copy of the base model, nothing else
        Path samplerModel = copy(trainerModel, tmp.resolve("sampler/model"));
        KafkaCheckpointStore samplerStore = store(topics);
        List<VersionVerifier.Refusal> deadLettered = new CopyOnWriteArrayList<>();
        try (VersionLoader loader = VersionLoader.huggingFace(samplerModel)) {
            PolicyFollower follower = new PolicyFollower(
                    KAFKA.bootstrapServers(),
                    Map.of(),
                    topics.policyVersions(),
                    samplerStore,
                    MODEL,
                    new Backoff(Duration.ofMillis(50), Duration.ofMillis(500)),
                    Optional.empty(),
                    (record, raw, refusal) -> deadLettered.add(refusal),
                    loader);
            Thread thread = new Thread(follower, "kafka-store-follower");
            thread.start();
            try {
                // when the sampler follows, then it serves version 1 exactly as its adapter directory loaded directly
                await().atMost(Duration.ofSeconds(60)).until(() -> follower.latestLoaded() == 1);
                PolicyFollower.LoadedPolicy v1 = follower.takeNewer(-1);
                List<Generation> served1 = v1.policy().generate(PROMPTS, GREEDY, new Random(1));
                assertSameGenerations(served1, direct(trainerModel, published.get(1L)));

                // and swaps in version 2
                publish(publisher, checkpoint(trainerModel, 2, 13), published);
                await().atMost(Duration.ofSeconds(60)).until(() -> follower.latestLoaded() == 2);
                PolicyFollower.LoadedPolicy v2 = follower.takeNewer(1);
                v1.policy().close();
                List<Generation> served2 = v2.policy().generate(PROMPTS, GREEDY, new Random(1));
                assertSameGenerations(served2, direct(trainerModel, published.get(2L)));
                assertThat(tokens(served2))
                        .as("version 2's adapters are in use")
                        .isNotEqualTo(tokens(served1));
                v2.policy().close();

                // when the trainer crashes inside version 3's transaction, after its chunks were sent
                VersionPublisher crashing = new VersionPublisher(
                        MODEL,
                        trainerStore(topics),
                        producer,
                        topics.policyVersions(),
                        topics.trainerMetrics(),
                        hooks(3));
                assertThatThrownBy(() -> crashing.publish(request(checkpoint(trainerModel, 3, 17))))
                        .hasMessageContaining("crash before commit");
                producer.close(Duration.ZERO);
                // and restarts: the same transactional id aborts the open transaction
                producer = transactionalProducer(transactionalId);

                // then nothing of version 3 is readable, and only versions 0..2 have chunks
                assertThatThrownBy(() -> samplerStore.read(samplerStore.uri(MODEL, 3), null))
                        .isInstanceOfSatisfying(
                                UntrustedCheckpointException.class,
                                e -> assertThat(e.kind()).isEqualTo(UntrustedCheckpointException.Kind.MISSING));
                assertThat(samplerStore.scanVersions(MODEL)).containsOnlyKeys(0L, 1L, 2L);
                assertThat(follower.latestLoaded()).isEqualTo(2);

                // when the canary promoted version 1, and the restarted trainer publishes versions 3 and 4
                promote(topics, 1);
                publisher = new VersionPublisher(
                        MODEL,
                        trainerStore(topics),
                        producer,
                        topics.policyVersions(),
                        topics.trainerMetrics(),
                        hooks(-1));
                publish(publisher, checkpoint(trainerModel, 3, 19), published);
                publish(publisher, checkpoint(trainerModel, 4, 23), published);

                // then the sampler serves version 4
                await().atMost(Duration.ofSeconds(60)).until(() -> follower.latestLoaded() == 4);
                PolicyFollower.LoadedPolicy v4 = follower.takeNewer(2);
                assertSameGenerations(
                        v4.policy().generate(PROMPTS, GREEDY, new Random(1)), direct(trainerModel, published.get(4L)));
                v4.policy().close();

                // and retention (the last 2, version 0, promoted version 1) tombstoned version 2 only
                assertThat(samplerStore.scanVersions(MODEL)).containsOnlyKeys(0L, 1L, 3L, 4L);
                assertThatThrownBy(() -> samplerStore.read(samplerStore.uri(MODEL, 2), null))
                        .isInstanceOfSatisfying(
                                UntrustedCheckpointException.class,
                                e -> assertThat(e.kind()).isEqualTo(UntrustedCheckpointException.Kind.MISSING));
                // a sampler asking for the retired version gets nothing; the promoted one still loads
                assertThat(follower.loadAdmitted(2)).isEmpty();
                Optional<PolicyFollower.LoadedPolicy> promoted = follower.loadAdmitted(1);
                assertThat(promoted).isPresent();
                promoted.get().policy().close();
                assertThat(follower.refusals()).isEmpty();
                assertThat(deadLettered).isEmpty();

                // when someone with write access forges version 5 with one chunk of its adapter left out
                forgeVersionWithAChunkMissing(topics, trainerModel, samplerStore);

                // then the sampler refuses and dead-letters it, and keeps serving version 4
                await().atMost(Duration.ofSeconds(60)).until(() -> !deadLettered.isEmpty());
                assertThat(deadLettered).singleElement().satisfies(r -> {
                    assertThat(r.reason()).isEqualTo(VersionVerifier.Reason.INCOMPLETE_CHECKPOINT);
                    assertThat(r.detail()).contains("adapter_model.safetensors has");
                });
                assertThat(follower.latestLoaded()).isEqualTo(4);
                assertThat(follower.takeNewer(4)).isNull();
            } finally {
                follower.close();
                thread.join(10_000);
                producer.close();
            }
        }
    }

    /**
     * Writes version 5's chunks outside any transaction, without chunk 1 of its adapter weights, and a version record
     * whose sha256 is that of the whole version: only the chunks are wrong.
     */
    private void forgeVersionWithAChunkMissing(Topics topics, Path modelDir, KafkaCheckpointStore store)
            throws Exception {
        Checkpoint c = checkpoint(modelDir, 5, 29);
        Path dir = Files.createDirectories(tmp.resolve("forged"));
        HfCheckpointFiles.write(dir, c);
        SortedMap<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> written = Files.list(dir)) {
            for (Path f : written.toList()) {
                files.put(f.getFileName().toString(), Files.readAllBytes(f));
            }
        }
        int partition =
                KafkaCheckpointStore.partition(MODEL, 5, TopicLayout.defaults().partitions());
        String topic = topics.policyCheckpoints().name();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()),
                new StringSerializer(),
                new ByteArraySerializer())) {
            for (CheckpointChunk chunk : CheckpointChunks.split(MODEL, 5, files, CHUNK_BYTES)) {
                if (chunk.getFileName().toString().equals(LoraAdapters.WEIGHTS_FILE) && chunk.getChunkIndex() == 1) {
                    continue;
                }
                String key = CheckpointChunks.key(MODEL, 5, chunk.getFileName().toString(), chunk.getChunkIndex());
                producer.send(new ProducerRecord<>(
                                topic,
                                partition,
                                key,
                                topics.policyCheckpoints()
                                        .valueSerde()
                                        .serializer()
                                        .serialize(topic, chunk)))
                        .get();
            }
        }
        PolicyVersion forged = PolicyVersion.newBuilder()
                .setModelId(MODEL)
                .setVersion(5)
                .setParentVersion(4L)
                .setCheckpointUri(store.uri(MODEL, 5).toString())
                .setSha256(HfCheckpointFiles.digest(files))
                .setSizeBytes(files.values().stream().mapToLong(b -> b.length).sum())
                .setCreatedTime(Instant.now())
                .setStatus(PolicyStatus.PUBLISHED)
                .build();
        TopicWriter.send(
                KAFKA.bootstrapServers(),
                topics.policyVersions().name(),
                MODEL,
                topics.policyVersions()
                        .valueSerde()
                        .serializer()
                        .serialize(topics.policyVersions().name(), forged));
    }

    /** The trainer's store: keeps the last 2 versions. */
    private static KafkaCheckpointStore trainerStore(Topics topics) {
        return store(topics);
    }

    private static KafkaCheckpointStore store(Topics topics) {
        return new KafkaCheckpointStore(
                topics.policyCheckpoints(),
                topics.policyDecisions(),
                KAFKA.bootstrapServers(),
                Map.of(),
                1L << 24,
                CHUNK_BYTES,
                2,
                Duration.ofSeconds(30));
    }

    private static void createTopics(TopicNames names) throws Exception {
        Set<String> wanted = Set.of(
                names.policyVersions(), names.trainerMetrics(), names.policyDecisions(), names.policyCheckpoints());
        List<TopicSpec> specs = TopicLayout.defaults().specs(names).stream()
                .filter(s -> wanted.contains(s.name()))
                .toList();
        assertThat(specs).hasSize(4);
        assertThat(specs)
                .filteredOn(s -> s.name().equals(names.policyCheckpoints()))
                .singleElement()
                .satisfies(s -> assertThat(s.configs()).containsEntry("cleanup.policy", "compact"));
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()))) {
            admin.createTopics(specs.stream()
                            .map(s ->
                                    new NewTopic(s.name(), s.partitions(), s.replicationFactor()).configs(s.configs()))
                            .toList())
                    .all()
                    .get();
        }
    }

    private static KafkaProducer<String, byte[]> transactionalProducer(String transactionalId) {
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        KAFKA.bootstrapServers(),
                        ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                        transactionalId,
                        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                        true,
                        ProducerConfig.ACKS_CONFIG,
                        "all"),
                new StringSerializer(),
                new ByteArraySerializer());
        producer.initTransactions();
        return producer;
    }

    private static PublishHooks hooks(long crashAt) {
        return new PublishHooks() {
            @Override
            public void beforeCommit(long version) {
                if (version == crashAt) {
                    throw new IllegalStateException("crash before commit of version " + version);
                }
            }
        };
    }

    private void publish(VersionPublisher publisher, Checkpoint c, Map<Long, Checkpoint> published) throws Exception {
        PolicyVersion v = publisher.publish(request(c));
        assertThat(v.getCheckpointUri()).isEqualTo("kafka://" + checkpointsTopic + "/policy/" + c.version());
        published.put(c.version(), c);
    }

    private static VersionPublisher.Request request(Checkpoint c) {
        return new VersionPublisher.Request(
                c,
                c.version() == 0 ? PolicyStatus.WARM_START : PolicyStatus.PUBLISHED,
                List.of(),
                Map.of(),
                null,
                Map.of(),
                List.of());
    }

    private static void promote(Topics topics, long version) throws Exception {
        CanaryDecision decision = CanaryDecision.newBuilder()
                .setDecisionId(MODEL + "-" + version + "-PROMOTED")
                .setModelId(MODEL)
                .setVersion(version)
                .setParentVersion(version - 1)
                .setOutcome(DecisionOutcome.PROMOTED)
                .setStartedTime(Instant.now())
                .setDecidedTime(Instant.now())
                .build();
        TopicWriter.send(
                KAFKA.bootstrapServers(),
                topics.policyDecisions().name(),
                MODEL,
                topics.policyDecisions()
                        .valueSerde()
                        .serializer()
                        .serialize(topics.policyDecisions().name(), decision));
    }

    /** Random adapters (B non-zero, as after training) as version {@code version}. */
    private static Checkpoint checkpoint(Path modelDir, long version, long seed) throws Exception {
        Map<String, float[]> weights = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        try (NDManager manager = NDManager.newBaseManager();
                LlamaModel model = LlamaModel.load(modelDir, manager);
                LoraAdapters adapters = LoraAdapters.create(model, LORA, seed);
                GradMode.Scope off = GradMode.off()) {
            Random random = new Random(seed);
            for (Map.Entry<String, NDArray> e : adapters.parameters().entrySet()) {
                float[] values = new float[Math.toIntExact(e.getValue().size())];
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) (0.3 * random.nextGaussian());
                }
                weights.put(e.getKey(), values);
                shapes.put(e.getKey(), e.getValue().getShape().getShape());
            }
        }
        Map<String, float[]> zeros = new LinkedHashMap<>();
        weights.forEach((k, v) -> zeros.put(k, new float[v.length]));
        return new Checkpoint(
                MODEL,
                version,
                version - 1,
                ModelConfig.tiny(),
                OptimizerConfig.defaults(),
                weights,
                new OptimizerState(version, zeros, zeros),
                Optional.of(new HfLayout(Optional.of(LORA), modelDir.toString(), shapes)));
    }

    /**
     * Greedy generation of the base with the version's adapter directory (written locally, as the file store would)
     * loaded by {@link LoraAdapters#load}: the reference the sampler's Kafka-loaded policy must match.
     */
    private List<Generation> direct(Path modelDir, Checkpoint c) throws Exception {
        Path adapterDir = Files.createDirectories(tmp.resolve("direct/v" + c.version()));
        if (!Files.exists(adapterDir.resolve(HfCheckpointFiles.STATE_FILE))) {
            HfCheckpointFiles.write(adapterDir, c);
        }
        try (NDManager manager = NDManager.newBaseManager();
                LlamaModel model = LlamaModel.load(modelDir, manager);
                HfTokenizer tokenizer = HfTokenizer.load(modelDir)) {
            model.attach(LoraAdapters.load(adapterDir, model));
            return new LlamaGenerator(model, tokenizer).generate(PROMPTS, GREEDY, new Random(1));
        }
    }

    private static List<List<Integer>> tokens(List<Generation> generations) {
        return generations.stream()
                .map(g -> java.util.Arrays.stream(g.tokens()).boxed().toList())
                .toList();
    }

    private static void assertSameGenerations(List<Generation> actual, List<Generation> expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(actual.get(i).tokens())
                    .as("row %d", i)
                    .containsExactly(expected.get(i).tokens());
            float[] a = actual.get(i).tokenLogprobs();
            float[] e = expected.get(i).tokenLogprobs();
            assertThat(a).hasSameSizeAs(e);
            for (int t = 0; t < e.length; t++) {
                assertThat(a[t]).isCloseTo(e[t], within(1e-5f));
            }
        }
    }

    private static Path copy(Path from, Path to) throws Exception {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        return to;
    }
}
