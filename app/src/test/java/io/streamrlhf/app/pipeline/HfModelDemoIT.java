package io.streamrlhf.app.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamrlhf.config.Settings;
import io.streamrlhf.producers.sampler.RolloutSampler;
import io.streamrlhf.trainer.checkpoint.HfCheckpointFiles;
import io.streamrlhf.trainer.loop.OnlineTrainer;
import io.streamrlhf.trainer.model.llama.ByteLlamaDirectory;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code streamrlhf demo --model DIR} end to end on a tiny random Llama directory: the whole stack trains the
 * Hugging Face model through LoRA from the simulated users' feedback, publishes versions that are PEFT adapter
 * directories, and the sampler swaps to them and rolls out with them.
 */
class HfModelDemoIT {

    @Test
    void theDemoTrainsAHuggingFaceDirectoryAndTheSamplerSwapsToItsVersions(@TempDir Path tmp) throws Exception {
        Path model = ByteLlamaDirectory.write(tmp.resolve("model"), 2, 32, 256, 5);
        Path dataDir = tmp.resolve("data");
        Settings settings = Settings.of(Map.ofEntries(
                Map.entry("data.dir", dataDir.toString()),
                Map.entry("trainer.model.dir", model.toString()),
                Map.entry("dashboard.port", "0"),
                Map.entry("gateway.port", "0"),
                Map.entry("monitor.http.port", "0"),
                Map.entry("ops.port", "0"),
                Map.entry("trainer.model.context", "128"),
                Map.entry("trainer.lora.rank", "4"),
                Map.entry("trainer.lora.alpha", "8"),
                Map.entry("trainer.publish.every.steps", "2"),
                Map.entry("trainer.kto.batch.size", "4"),
                Map.entry("trainer.dpo.batch.size", "4"),
                Map.entry("sampler.max.tokens", "12"),
                Map.entry("kto.settle.delay", "0s"),
                // Versions on the trainer's own clock rather than paced by the canary's decisions: this test is
                // about training and serving the directory, and waits for two versions after the warm start.
                Map.entry("trainer.publish.max.undecided", "0"),
                Map.entry("streams.application.id", "hf-demo-it")));
        StringWriter progress = new StringWriter();
        try (DemoStack demo = DemoStack.start(settings, new PrintWriter(progress, true))) {
            Pipeline pipeline = demo.pipeline();
            OnlineTrainer trainer = pipeline.trainer().orElseThrow();
            RolloutSampler sampler = pipeline.sampler().orElseThrow();

            // the sampler serves version 0 (the base: fresh adapters), the trainer publishes from feedback
            await().atMost(Duration.ofMinutes(6))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(() -> trainer.currentVersion() >= 2);
            // and the sampler swaps to a trained version and rolls out with it
            await().atMost(Duration.ofMinutes(2))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(() -> sampler.rolloutsByVersion().keySet().stream().anyMatch(v -> v >= 1));
            assertThat(sampler.rolloutsByVersion()).containsKey(0L);

            // every version in the store is a PEFT adapter directory with the trainer's state
            List<Path> stored;
            try (Stream<Path> entries = Files.list(dataDir.resolve("checkpoints"))) {
                // A version being written is a temporary directory until it is renamed into place.
                stored = entries.filter(p -> !p.getFileName().toString().endsWith(".tmp"))
                        .toList();
            }
            assertThat(stored).hasSizeGreaterThanOrEqualTo(3);
            for (Path dir : stored) {
                assertThat(dir.resolve("adapter_config.json")).isRegularFile();
                assertThat(dir.resolve("adapter_model.safetensors")).isRegularFile();
                assertThat(dir.resolve(HfCheckpointFiles.STATE_FILE)).isRegularFile();
            }
            assertThat(Files.exists(dataDir.resolve("warmstart.tsv"))).isFalse();
        }
    }
}
