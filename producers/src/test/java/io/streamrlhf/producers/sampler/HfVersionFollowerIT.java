package io.streamrlhf.producers.sampler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
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
import io.streamrlhf.trainer.checkpoint.HfLayout;
import io.streamrlhf.trainer.checkpoint.LocalCheckpointStore;
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
import io.streamrlhf.trainer.tokenizer.HfTokenizer;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sampler on a Hugging Face model: a published LoRA version (a PEFT adapter directory in the checkpoint store)
 * loads on the base the {@link VersionLoader} loaded once, and its greedy generation equals that of the base with
 * the version directory loaded directly as a PEFT adapter; the next version swaps in its own adapters.
 */
class HfVersionFollowerIT {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static final LoraConfig LORA = new LoraConfig(4, 8, 0.0, LoraConfig.allTargets(), false);
    private static final List<String> PROMPTS = List.of("What is 2+2?", "Hi", "Tell me a story about a cat");
    private static final SamplingConfig GREEDY = SamplingConfig.greedy(12);

    @TempDir
    Path tmp;

    @Test
    void aPublishedAdapterGeneratesAsTheBaseWithItsDirectoryLoadedAndTheNextVersionSwapsIn() throws Exception {
        // given a model directory and its first adapter version published
        Path modelDir = ByteLlamaDirectory.write(tmp.resolve("model"), 2, 32, 128, 3);
        TopicNames names = TopicNames.defaults()
                .withPrefix("hf" + UUID.randomUUID().toString().substring(0, 8) + ".");
        TopicWriter.createTopic(KAFKA.bootstrapServers(), names.policyVersions());
        Topics topics = new Topics(names, KAFKA.schemaRegistryClient());
        CheckpointStore store = new LocalCheckpointStore(tmp.resolve("checkpoints"));
        PolicyVersion first = publish(topics, store, modelDir, 1, 11);

        // when the follower loads it through the Hugging Face loader
        try (VersionLoader loader = VersionLoader.huggingFace(modelDir)) {
            PolicyFollower follower = new PolicyFollower(
                    KAFKA.bootstrapServers(),
                    Map.of(),
                    topics.policyVersions(),
                    store,
                    "policy",
                    new Backoff(Duration.ofMillis(50), Duration.ofMillis(500)),
                    Optional.empty(),
                    PolicyFollower.DeadLetterSink.NONE,
                    loader);
            Thread thread = new Thread(follower, "hf-follower");
            thread.start();
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> follower.latestLoaded() == 1);
                PolicyFollower.LoadedPolicy v1 = follower.takeNewer(-1);
                List<Generation> served1 = v1.policy().generate(PROMPTS, GREEDY, new Random(1));

                // then it generates exactly as the base with the version's directory loaded as a PEFT adapter
                List<Generation> direct1 = direct(modelDir, first);
                assertSameGenerations(served1, direct1);

                // and the next version swaps in its own adapters on the same base
                PolicyVersion second = publish(topics, store, modelDir, 2, 13);
                await().atMost(Duration.ofSeconds(60)).until(() -> follower.latestLoaded() == 2);
                PolicyFollower.LoadedPolicy v2 = follower.takeNewer(1);
                v1.policy().close();
                List<Generation> served2 = v2.policy().generate(PROMPTS, GREEDY, new Random(1));
                assertSameGenerations(served2, direct(modelDir, second));
                assertThat(served2.stream().map(g -> List.of(g.tokens())).toList())
                        .as("the second version's adapters are in use")
                        .isNotEqualTo(
                                served1.stream().map(g -> List.of(g.tokens())).toList());
                v2.policy().close();
            } finally {
                follower.close();
                thread.join(10_000);
            }
        }
    }

    /** Greedy generation of the base with the version's directory loaded by {@link LoraAdapters#load}. */
    private static List<Generation> direct(Path modelDir, PolicyVersion version) throws Exception {
        Path adapterDir = Path.of(URI.create(version.getCheckpointUri()));
        try (NDManager manager = NDManager.newBaseManager();
                LlamaModel model = LlamaModel.load(modelDir, manager);
                HfTokenizer tokenizer = HfTokenizer.load(modelDir)) {
            model.attach(LoraAdapters.load(adapterDir, model));
            return new LlamaGenerator(model, tokenizer).generate(PROMPTS, GREEDY, new Random(1));
        }
    }

    private static void assertSameGenerations(List<Generation> actual, List<Generation> expected) {
        assertThat(actual).hasSameSizeAs(expected);
        int tokens = 0;
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
            tokens += expected.get(i).tokens().length;
        }
        assertThat(tokens).as("real decoding steps are compared").isGreaterThanOrEqualTo(PROMPTS.size() * 3);
    }

    /** Writes random adapters (B non-zero, as after training) as version {@code version} and publishes it. */
    private static PolicyVersion publish(Topics topics, CheckpointStore store, Path modelDir, long version, long seed)
            throws Exception {
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
        Checkpoint checkpoint = new Checkpoint(
                "policy",
                version,
                version - 1,
                ModelConfig.tiny(),
                OptimizerConfig.defaults(),
                weights,
                new OptimizerState(version, zeros, zeros),
                Optional.of(new HfLayout(Optional.of(LORA), modelDir.toString(), shapes)));
        CheckpointStore.Stored stored = store.write(CheckpointNames.name("policy", version), checkpoint);
        PolicyVersion v = PolicyVersion.newBuilder()
                .setModelId("policy")
                .setVersion(version)
                .setParentVersion(version == 1 ? null : version - 1)
                .setCheckpointUri(stored.uri().toString())
                .setSha256(stored.sha256())
                .setSizeBytes(stored.sizeBytes())
                .setCreatedTime(Instant.now())
                .setStatus(PolicyStatus.PUBLISHED)
                .build();
        TopicWriter.send(
                KAFKA.bootstrapServers(),
                topics.policyVersions().name(),
                "policy",
                topics.policyVersions()
                        .valueSerde()
                        .serializer()
                        .serialize(topics.policyVersions().name(), v));
        return v;
    }
}
