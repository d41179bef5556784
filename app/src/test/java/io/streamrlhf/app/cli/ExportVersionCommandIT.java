package io.streamrlhf.app.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamrlhf.app.StreamRlhf;
import io.streamrlhf.avro.PolicyStatus;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.localstack.junit.EmbeddedKafkaExtension;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.Topics;
import io.streamrlhf.trainer.checkpoint.Checkpoint;
import io.streamrlhf.trainer.checkpoint.CheckpointNames;
import io.streamrlhf.trainer.checkpoint.CheckpointStore;
import io.streamrlhf.trainer.checkpoint.HfLayout;
import io.streamrlhf.trainer.checkpoint.LocalCheckpointStore;
import io.streamrlhf.trainer.config.ModelConfig;
import io.streamrlhf.trainer.config.OptimizerConfig;
import io.streamrlhf.trainer.model.llama.ByteLlamaDirectory;
import io.streamrlhf.trainer.model.llama.LlamaModel;
import io.streamrlhf.trainer.model.llama.LoraAdapters;
import io.streamrlhf.trainer.model.llama.LoraConfig;
import io.streamrlhf.trainer.optim.OptimizerState;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code streamrlhf export --model DIR --version N OUT} against a real broker and registry: it finds the committed
 * version on the versions topic, verifies its checkpoint, and writes a model whose greedy generation is that of
 * the base with the version's directory as a PEFT adapter ({@code generate --adapter}).
 */
class ExportVersionCommandIT {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final LoraConfig LORA = new LoraConfig(2, 8, 0.0, LoraConfig.allTargets(), false);

    @TempDir
    Path tmp;

    @Test
    void exportsACommittedAdapterVersionMergedIntoItsBase() throws Exception {
        // given a base and its version 1 published on the versions topic
        Path base = ByteLlamaDirectory.write(tmp.resolve("base"), 2, 32, 128, 21);
        Path checkpoints = tmp.resolve("checkpoints");
        TopicNames names = TopicNames.defaults().withPrefix(KAFKA.uniquePrefix());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()))) {
            admin.createTopics(Set.of(new NewTopic(names.policyVersions(), 1, (short) 1)))
                    .all()
                    .get();
        }
        PolicyVersion version = publish(new Topics(names, KAFKA.schemaRegistryClient()), checkpoints, base);
        Path out = tmp.resolve("exported");

        // when
        String printed = run(
                "export",
                "--model",
                base.toString(),
                "--version",
                "1",
                out.toString(),
                "--set",
                "bootstrap.servers=" + KAFKA.bootstrapServers(),
                "--set",
                "schema.registry.url=" + KAFKA.schemaRegistryUrl(),
                "--set",
                "topic.policy.versions=" + names.policyVersions(),
                "--set",
                "trainer.checkpoint.dir=" + checkpoints);

        // then
        assertThat(printed).contains("wrote");
        Path versionDir = Path.of(URI.create(version.getCheckpointUri()));
        JsonNode withAdapter = JSON.readTree(run(
                "generate",
                "--model",
                base.toString(),
                "--adapter",
                versionDir.toString(),
                "--prompt",
                "Once",
                "--max-new-tokens",
                "8",
                "--greedy"));
        JsonNode exported = JSON.readTree(
                run("generate", "--model", out.toString(), "--prompt", "Once", "--max-new-tokens", "8", "--greedy"));
        JsonNode bare = JSON.readTree(
                run("generate", "--model", base.toString(), "--prompt", "Once", "--max-new-tokens", "8", "--greedy"));
        assertThat(exported.get("generated_ids")).isEqualTo(withAdapter.get("generated_ids"));
        for (int i = 0; i < withAdapter.get("logprobs").size(); i++) {
            assertThat(exported.get("logprobs").get(i).asDouble())
                    .isCloseTo(withAdapter.get("logprobs").get(i).asDouble(), within(1e-4));
        }
        assertThat(bare.get("logprobs")).isNotEqualTo(withAdapter.get("logprobs"));
        // An uncommitted version is refused, naming it.
        StringWriter err = new StringWriter();
        CommandLine cli = StreamRlhf.commandLine();
        cli.setOut(new PrintWriter(new StringWriter()));
        cli.setErr(new PrintWriter(err));
        assertThat(cli.execute(
                        "export",
                        "--model",
                        base.toString(),
                        "--version",
                        "7",
                        tmp.resolve("none").toString(),
                        "--set",
                        "bootstrap.servers=" + KAFKA.bootstrapServers(),
                        "--set",
                        "schema.registry.url=" + KAFKA.schemaRegistryUrl(),
                        "--set",
                        "topic.policy.versions=" + names.policyVersions(),
                        "--set",
                        "trainer.checkpoint.dir=" + checkpoints))
                .isEqualTo(1);
        assertThat(err.toString()).contains("version 7 of policy is not committed");
    }

    private static PolicyVersion publish(Topics topics, Path checkpoints, Path base) throws Exception {
        Map<String, float[]> weights = new LinkedHashMap<>();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        try (NDManager manager = NDManager.newBaseManager();
                LlamaModel model = LlamaModel.load(base, manager);
                LoraAdapters adapters = LoraAdapters.create(model, LORA, 5)) {
            Random random = new Random(9);
            for (Map.Entry<String, NDArray> e : adapters.parameters().entrySet()) {
                float[] values = new float[Math.toIntExact(e.getValue().size())];
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) (0.5 * random.nextGaussian());
                }
                weights.put(e.getKey(), values);
                shapes.put(e.getKey(), e.getValue().getShape().getShape());
            }
        }
        Map<String, float[]> zeros = new LinkedHashMap<>();
        weights.forEach((k, v) -> zeros.put(k, new float[v.length]));
        CheckpointStore store = new LocalCheckpointStore(checkpoints);
        CheckpointStore.Stored stored = store.write(
                CheckpointNames.name("policy", 1),
                new Checkpoint(
                        "policy",
                        1,
                        0,
                        ModelConfig.tiny(),
                        OptimizerConfig.defaults(),
                        weights,
                        new OptimizerState(3, zeros, zeros),
                        Optional.of(new HfLayout(Optional.of(LORA), base.toString(), shapes))));
        PolicyVersion v = PolicyVersion.newBuilder()
                .setModelId("policy")
                .setVersion(1)
                .setParentVersion(null)
                .setCheckpointUri(stored.uri().toString())
                .setSha256(stored.sha256())
                .setSizeBytes(stored.sizeBytes())
                .setCreatedTime(Instant.now())
                .setStatus(PolicyStatus.PUBLISHED)
                .build();
        try (KafkaProducer<String, PolicyVersion> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()),
                new StringSerializer(),
                topics.policyVersions().valueSerde().serializer())) {
            producer.send(new ProducerRecord<>(topics.policyVersions().name(), "policy", v))
                    .get();
        }
        return v;
    }

    private static String run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = StreamRlhf.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        assertThat(cli.execute(args)).as(String.join(" ", args) + ": " + err).isZero();
        return out.toString().strip();
    }
}
