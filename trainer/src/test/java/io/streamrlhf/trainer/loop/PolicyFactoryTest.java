package io.streamrlhf.trainer.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.streamrlhf.trainer.batch.SequenceCollator.Sample;
import io.streamrlhf.trainer.config.TrainerConfig;
import io.streamrlhf.trainer.config.TrainerConfigFactory;
import io.streamrlhf.trainer.model.TrainableModel;
import io.streamrlhf.trainer.model.llama.ByteLlamaDirectory;
import io.streamrlhf.trainer.model.llama.LlamaPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyFactoryTest {

    private static final List<Sample> PROBE = List.of(new Sample("What is 2+3?", "5"), new Sample("Hi", "Hello!"));

    private static float[] logps(TrainableModel model) {
        try (NDManager scope = model.manager().newSubManager()) {
            return model.completionLogps(scope, PROBE, false).sums().toFloatArray();
        }
    }

    private static TrainerConfig config(Path model, Path corpus, boolean lora) {
        Map<String, String> p = new HashMap<>();
        p.put("bootstrap.servers", "unused:9092");
        p.put("trainer.model.dir", model.toString());
        p.put("trainer.lora.enabled", Boolean.toString(lora));
        p.put("trainer.model.context", "64");
        p.put("trainer.warmstart.corpus", corpus.toString());
        p.put("trainer.warmstart.steps", "30");
        return TrainerConfigFactory.fromProperties(p);
    }

    private static Path corpus(Path dir) throws Exception {
        List<String> lines = new ArrayList<>();
        for (int a = 0; a < 10; a++) {
            for (int b = 0; b < 10; b++) {
                lines.add("What is " + a + "+" + b + "?\t" + (a + b));
            }
        }
        return Files.write(dir.resolve("corpus.tsv"), lines);
    }

    @Test
    void warmStartOfALlamaDirectoryTrainsItWholeAndItsReferenceIsTheWarmStartedVersionZero(@TempDir Path dir)
            throws Exception {
        // given the demo's kind of model: a tiny Llama directory over the byte vocabulary, trained whole
        Path model = ByteLlamaDirectory.write(dir.resolve("tiny"), 2, 32, 128, 7L, 0.02);
        PolicyFactory factory = PolicyFactory.of(config(model, corpus(dir), false), Device.cpu());
        Map<String, Double> summary = new HashMap<>();
        // when
        try (TrainableModel policy = factory.start(summary);
                TrainableModel reference = factory.reference(policy, null);
                LlamaPolicy untrained = LlamaPolicy.load(model, Optional.empty(), 0, 64, Device.cpu())) {
            // then the warm start ran and moved the weights away from the directory's
            assertThat(summary).containsKey("sft/loss");
            float[] warm = logps(policy);
            float[] directory = logps(untrained);
            assertThat(warm[0]).isGreaterThan(directory[0] + 0.5f);
            // and the reference is version 0, the warm-started weights, not a fresh load of the directory
            assertThat(logps(reference)).containsExactly(warm, org.assertj.core.data.Offset.offset(1e-5f));
            assertThat(reference.trainableParameters().values())
                    .allSatisfy(p -> assertThat(p.hasGradient()).isFalse());
        }
    }

    @Test
    void warmStartUnderLoraIsRefusedBecauseTheReferenceWouldNotBeVersionZero(@TempDir Path dir) throws Exception {
        Path model = ByteLlamaDirectory.write(dir.resolve("tiny"), 1, 16, 128, 7L, 0.02);
        Path corpus = corpus(dir);
        assertThatThrownBy(() -> config(model, corpus, true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("trainer.lora.enabled=false");
    }
}
