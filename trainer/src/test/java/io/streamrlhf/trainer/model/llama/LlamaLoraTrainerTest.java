package io.streamrlhf.trainer.model.llama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.streamrlhf.trainer.batch.PairExample;
import io.streamrlhf.trainer.config.OptimizerConfig;
import io.streamrlhf.trainer.loop.LlamaLoraTrainer;
import io.streamrlhf.trainer.loss.LossConfig;
import io.streamrlhf.trainer.loss.LossType;
import io.streamrlhf.trainer.model.GradMode;
import io.streamrlhf.trainer.tokenizer.EncodedPair;
import io.streamrlhf.trainer.tokenizer.HfTokenizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DPO through LoRA on a Hugging Face Llama: the first step's loss is log 2 (fresh adapters leave the policy equal to
 * its reference, the base with adapters off), the base weights never change, only adapter matrices are trained, and
 * training raises the chosen-over-rejected margin measured here with full forward passes.
 */
@Tag("hf-models")
class LlamaLoraTrainerTest {

    private static final OptimizerConfig OPTIMIZER = new OptimizerConfig(2e-2, 0.9, 0.999, 1e-8, 0.0, 1.0, 0);
    private static final List<PairExample> PAIRS = List.of(
            new PairExample("a", "Say hi", "Hello!", "Go away.", 1.0),
            new PairExample("b", "2+2?", "4", "five, I think", 1.0));

    @TempDir
    static Path tmp;

    @Test
    void dpoStepsTrainOnlyTheAdaptersAndRaiseTheMargin() throws Exception {
        Path dir = LlamaGeneratorTest.writeByteLlama(tmp.resolve("model"), 43);
        try (NDManager manager = NDManager.newBaseManager();
                LlamaModel model = LlamaModel.load(dir, manager);
                HfTokenizer tokenizer = HfTokenizer.load(dir)) {
            LoraAdapters adapters =
                    LoraAdapters.create(model, new LoraConfig(4, 8, 0.0, LoraConfig.allTargets(), false), 47);
            model.attach(adapters);
            Map<String, float[]> baseBefore = snapshot(model.parameters());
            Map<String, float[]> adaptersBefore = snapshot(adapters.parameters());
            double marginBefore = margin(model, adapters, tokenizer);
            assertThat(marginBefore).isCloseTo(0.0, within(1e-5));
            try (LlamaLoraTrainer trainer = new LlamaLoraTrainer(model, tokenizer, OPTIMIZER, 64)) {
                assertThat(trainer.trainableParameters().keySet()).allMatch(k -> k.contains(".lora_"));
                LlamaLoraTrainer.StepResult first = trainer.step(PAIRS, LossConfig.defaults(LossType.DPO_SIGMOID));
                assertThat(first.loss()).isCloseTo(Math.log(2), within(1e-5));
                assertThat(first.gradNorm()).isGreaterThan(0.0);
                for (int i = 0; i < 10; i++) {
                    trainer.step(PAIRS, LossConfig.defaults(LossType.DPO_SIGMOID));
                }
            }
            snapshot(model.parameters())
                    .forEach((name, values) -> assertThat(values).as(name).containsExactly(baseBefore.get(name)));
            assertThat(maxAbsDiff(adaptersBefore, snapshot(adapters.parameters())))
                    .isGreaterThan(1e-3);
            assertThat(margin(model, adapters, tokenizer)).isGreaterThan(0.5);
        }
    }

    /**
     * Sum over pairs of (policy chosen - reference chosen) - (policy rejected - reference rejected), the DPO
     * implicit reward margin, from full forward passes of each row alone.
     */
    private static double margin(LlamaModel model, LoraAdapters adapters, HfTokenizer tokenizer) {
        double total = 0;
        for (PairExample p : PAIRS) {
            EncodedPair chosen = tokenizer.encodePair(p.prompt(), p.chosen(), 64, true);
            EncodedPair rejected = tokenizer.encodePair(p.prompt(), p.rejected(), 64, true);
            double policy = completionLogp(model, chosen) - completionLogp(model, rejected);
            double reference;
            try (LoraAdapters.Scope off = adapters.disabled()) {
                reference = completionLogp(model, chosen) - completionLogp(model, rejected);
            }
            total += policy - reference;
        }
        return total;
    }

    private static double completionLogp(LlamaModel model, EncodedPair row) {
        try (NDManager scope = NDManager.newBaseManager();
                GradMode.Scope off = GradMode.off()) {
            long[] ids = Arrays.stream(row.ids()).asLongStream().toArray();
            float[] logits =
                    model.logits(scope.create(ids, new Shape(1, ids.length))).toFloatArray();
            int vocab = model.config().vocabSize();
            double sum = 0;
            for (int t = row.promptLength(); t < ids.length; t++) {
                float[] at = Arrays.copyOfRange(logits, (t - 1) * vocab, t * vocab);
                sum += at[(int) ids[t]] - LlamaGeneratorTest.logSumExp(at);
            }
            return sum;
        }
    }

    private static Map<String, float[]> snapshot(Map<String, NDArray> params) {
        Map<String, float[]> out = new LinkedHashMap<>();
        params.forEach((k, v) -> out.put(k, v.toFloatArray()));
        return out;
    }

    private static double maxAbsDiff(Map<String, float[]> a, Map<String, float[]> b) {
        double max = 0;
        for (String k : a.keySet()) {
            for (int i = 0; i < a.get(k).length; i++) {
                max = Math.max(max, Math.abs(a.get(k)[i] - b.get(k)[i]));
            }
        }
        return max;
    }
}
