package io.streamrlhf.app.cli;

import io.streamrlhf.app.pipeline.PipelineSettings;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.config.ClusterSettings;
import io.streamrlhf.config.Settings;
import io.streamrlhf.localstack.stack.StackKeys;
import io.streamrlhf.schemas.registry.RestSchemaRegistryClient;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.Topics;
import io.streamrlhf.trainer.checkpoint.Checkpoint;
import io.streamrlhf.trainer.checkpoint.CheckpointStore;
import io.streamrlhf.trainer.checkpoint.VersionVerifier;
import io.streamrlhf.trainer.config.TrainerConfigFactory;
import io.streamrlhf.trainer.config.TrainerKeys;
import io.streamrlhf.trainer.hf.ModelConfigException;
import io.streamrlhf.trainer.model.llama.LlamaExport;
import io.streamrlhf.trainer.publish.VersionHistory;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code streamrlhf export --model DIR (--adapter DIR | --version N) OUT}: merges a PEFT LoRA adapter into its
 * Hugging Face base model and writes the result as a plain Hugging Face model directory (config.json, fp32
 * model.safetensors, tokenizer files) that any inference server loads without PEFT. With {@code --adapter} it runs
 * locally and needs no broker; with {@code --version} it reads that committed version of {@code trainer.model.id}
 * from the versions topic, checked as the sampler checks it (signature when {@code versions.signing.key} is set,
 * location inside the checkpoint store, sha256), and merges the verified tensors.
 */
@Command(
        name = "export",
        description = "Merge a LoRA adapter into its base model and write a Hugging Face model directory.")
public final class ExportCommand implements Callable<Integer> {

    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "Show this help message and exit.")
    boolean help;

    @Option(names = "--model", required = true, description = "The base Hugging Face model directory.")
    Path model;

    @ArgGroup(multiplicity = "1")
    Source source;

    /** Where the adapter comes from: a directory, or a published version. */
    static final class Source {
        @Option(
                names = "--adapter",
                description = "The PEFT adapter directory (adapter_config.json, adapter_model.safetensors).")
        Path adapter;

        @Option(
                names = "--version",
                paramLabel = "N",
                description = "A committed policy version of trainer.model.id, read from the versions topic.")
        Long version;
    }

    @Parameters(index = "0", paramLabel = "OUT", description = "Output directory (created; must be new or empty).")
    Path out;

    @Mixin
    CommonOptions options;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        try {
            if (source.adapter != null) {
                LlamaExport.mergeAndWrite(model, source.adapter, out);
            } else {
                LlamaExport.writeVersion(readVersion(options.settings(), source.version), model, out);
            }
        } catch (IOException | ModelConfigException | IllegalStateException e) {
            spec.commandLine().getErr().println("streamrlhf export: " + e.getMessage());
            spec.commandLine().getErr().flush();
            return 1;
        }
        PrintWriter writer = spec.commandLine().getOut();
        writer.println("wrote " + out.toAbsolutePath());
        writer.flush();
        return 0;
    }

    /** The verified checkpoint of committed version {@code number}. */
    static Checkpoint readVersion(Settings settings, long number) throws IOException {
        Map<String, String> values = settings.asMap();
        String bootstrap = ClusterSettings.BOOTSTRAP_SERVERS.get(values);
        String registryUrl = ClusterSettings.SCHEMA_REGISTRY_URL.get(values);
        Map<String, String> props =
                PipelineSettings.resolve(settings, bootstrap, registryUrl, Path.of(StackKeys.DATA_DIR.get(values)));
        String modelId = TrainerKeys.MODEL_ID.get(props);
        RestSchemaRegistryClient.Config registryConfig = RestSchemaRegistryClient.Config.of(registryUrl);
        try (RestSchemaRegistryClient registry = new RestSchemaRegistryClient(ClusterSettings.SCHEMA_REGISTRY_USER_INFO
                .find(values)
                .map(registryConfig::withBasicAuth)
                .orElse(registryConfig))) {
            Topics topics = new Topics(TopicNames.fromProperties(props), registry);
            CheckpointStore store = TrainerConfigFactory.openCheckpointStore(props, topics, bootstrap, "trainer");
            VersionVerifier verifier = new VersionVerifier(modelId, TrainerConfigFactory.signer(props), store);
            VersionHistory history = VersionHistory.read(
                    bootstrap,
                    Settings.kafkaOverrides(props, "trainer"),
                    topics.policyVersions(),
                    modelId,
                    verifier,
                    Duration.ofSeconds(60));
            PolicyVersion version = history.version(number)
                    .orElseThrow(() -> new IOException("version " + number + " of " + modelId
                            + " is not committed on " + topics.policyVersions().name()
                            + (verifier.refused() > 0 ? " or was refused: " + verifier.refusals() : "")));
            Checkpoint checkpoint = store.read(URI.create(version.getCheckpointUri()), version.getSha256());
            if (!checkpoint.modelId().equals(modelId) || checkpoint.version() != number) {
                throw new IOException("version " + number + " points to a checkpoint of " + checkpoint.modelId()
                        + " version " + checkpoint.version());
            }
            return checkpoint;
        }
    }
}
