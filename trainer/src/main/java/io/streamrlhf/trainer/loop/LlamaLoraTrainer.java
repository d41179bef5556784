package io.streamrlhf.trainer.loop;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.streamrlhf.trainer.batch.PairExample;
import io.streamrlhf.trainer.config.OptimizerConfig;
import io.streamrlhf.trainer.loss.LossConfig;
import io.streamrlhf.trainer.loss.LossOutput;
import io.streamrlhf.trainer.loss.PairedLogps;
import io.streamrlhf.trainer.loss.PreferenceLosses;
import io.streamrlhf.trainer.model.GradMode;
import io.streamrlhf.trainer.model.llama.LlamaModel;
import io.streamrlhf.trainer.model.llama.LoraAdapters;
import io.streamrlhf.trainer.optim.AdamW;
import io.streamrlhf.trainer.tokenizer.EncodedPair;
import io.streamrlhf.trainer.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Preference steps on a Hugging Face {@link LlamaModel} through LoRA: the policy is the base with its attached
 * {@link LoraAdapters}, the frozen reference is the same base with the adapters switched off (no second copy), the
 * base weights get no gradient, and the optimizer holds state for the adapter matrices only. The loss is the
 * existing {@link PreferenceLosses#paired} code. One step: every pair's chosen and rejected rows in one batch
 * (right-padded under the attention mask), reference log-probs without a graph, the policy's with one, backward,
 * an AdamW update of the adapters. Not yet wired into {@link OnlineTrainer}. Not thread-safe.
 */
public final class LlamaLoraTrainer implements AutoCloseable {

    private final LlamaModel model;
    private final LoraAdapters adapters;
    private final Tokenizer tokenizer;
    private final int maxTokens;
    private final AdamW optimizer;

    /** What one step did. */
    public record StepResult(double loss, double gradNorm, Map<String, Double> metrics) {}

    /**
     * Trains {@code model}'s attached adapters; base weights are frozen here.
     *
     * @param maxTokens the most tokens of one row (prompt and completion)
     * @throws IllegalArgumentException when the model has no adapters attached
     */
    public LlamaLoraTrainer(LlamaModel model, Tokenizer tokenizer, OptimizerConfig optimizer, int maxTokens) {
        if (model.adapters() == null) {
            throw new IllegalArgumentException("attach LoRA adapters to the model first");
        }
        this.model = model;
        this.adapters = model.adapters();
        this.tokenizer = tokenizer;
        this.maxTokens = maxTokens;
        model.setTrainable(false);
        this.optimizer = new AdamW(optimizer, adapters.parameters());
    }

    /** The parameters the optimizer updates: the adapters' matrices by PEFT's names. */
    public Map<String, NDArray> trainableParameters() {
        return adapters.parameters();
    }

    /** One update on {@code pairs} with {@code loss} (a paired loss type). */
    public StepResult step(List<PairExample> pairs, LossConfig loss) {
        int n = pairs.size();
        if (n == 0) {
            throw new IllegalArgumentException("a step needs at least one pair");
        }
        List<EncodedPair> chosen = new ArrayList<>(n);
        List<EncodedPair> rejected = new ArrayList<>(n);
        double[] weights = new double[n];
        for (int i = 0; i < n; i++) {
            PairExample p = pairs.get(i);
            chosen.add(tokenizer.encodePair(p.prompt(), p.chosen(), maxTokens, !p.chosenTruncated()));
            rejected.add(tokenizer.encodePair(p.prompt(), p.rejected(), maxTokens, !p.rejectedTruncated()));
            weights[i] = p.weight();
        }
        return stepEncoded(chosen, rejected, weights, loss);
    }

    /**
     * One update on pairs already tokenized: {@code chosen.get(i)} and {@code rejected.get(i)} form pair {@code i}
     * with loss weight {@code weights[i]}.
     */
    public StepResult stepEncoded(
            List<EncodedPair> chosen, List<EncodedPair> rejected, double[] weights, LossConfig loss) {
        int n = chosen.size();
        if (n == 0 || rejected.size() != n || weights.length != n) {
            throw new IllegalArgumentException("a step needs at least one pair, and as many rejected rows and"
                    + " weights as chosen rows: " + n + ", " + rejected.size() + ", " + weights.length);
        }
        List<EncodedPair> rows = new ArrayList<>(2 * n);
        rows.addAll(chosen);
        rows.addAll(rejected);
        int width = rows.stream().mapToInt(r -> r.ids().length).max().orElseThrow();
        int b = rows.size();
        long[] ids = new long[b * width];
        long[] keep = new long[b * width];
        // Targets are the next tokens: column t scores next[t] = ids[t + 1] when that is a completion token. The last
        // column has no next token: it gathers id 0 and is never scored. Full-width targets keep the logits whole:
        // slicing off their last column cost a copy of the (B, T, V) logits and, in the backward, zero-filled
        // full-size buffers per sliced axis.
        long[] next = new long[b * width];
        float[] scored = new float[b * width];
        float[] counts = new float[b];
        for (int r = 0; r < b; r++) {
            EncodedPair row = rows.get(r);
            for (int t = 0; t < width; t++) {
                boolean present = t < row.ids().length;
                ids[r * width + t] = present ? row.ids()[t] : tokenizer.padId();
                keep[r * width + t] = present ? 1 : 0;
                if (t >= 1) {
                    next[r * width + t - 1] = ids[r * width + t];
                }
                if (t >= 1 && present && t >= row.promptLength()) {
                    scored[r * width + t - 1] = 1f;
                    counts[r]++;
                }
            }
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        double lossValue;
        long start = System.nanoTime();
        long referenceDone;
        long policyDone;
        long backwardDone;
        try (NDManager scope = model.manager().newSubManager()) {
            NDArray tokens = scope.create(ids, new Shape(b, width));
            NDArray attention = scope.create(keep, new Shape(b, width));
            NDArray nextIds = scope.create(next, new Shape(b, width, 1));
            NDArray targets = scope.create(scored, new Shape(b, width));
            NDArray reference;
            // The reference pass in a scope of its own, closed before the policy pass: a DJL array lives until its
            // manager closes, so otherwise every activation of the reference forward (its logits twice over, among
            // them) would stay in memory through the policy's forward and backward.
            try (GradMode.Scope off = GradMode.off();
                    LoraAdapters.Scope base = adapters.disabled();
                    NDManager referenceScope = scope.newSubManager()) {
                NDArray referenceTokens = tokens.duplicate();
                referenceTokens.attach(referenceScope);
                reference = sequenceLogps(model.logits(referenceTokens, attention), nextIds, targets);
                reference.attach(scope);
            }
            referenceDone = System.nanoTime();
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray policy = sequenceLogps(model.logits(tokens, attention, true), nextIds, targets);
                NDArray chosenRows = scope.arange(0L, (long) n);
                NDArray rejectedRows = scope.arange((long) n, 2L * n);
                NDArray tokenCounts = scope.create(counts);
                float[] pairWeights = new float[n];
                for (int i = 0; i < n; i++) {
                    pairWeights[i] = (float) weights[i];
                }
                LossOutput out = PreferenceLosses.paired(
                        loss,
                        new PairedLogps(
                                policy.get(chosenRows),
                                policy.get(rejectedRows),
                                reference.get(chosenRows),
                                reference.get(rejectedRows),
                                tokenCounts.get(chosenRows),
                                tokenCounts.get(rejectedRows),
                                scope.create(pairWeights)));
                lossValue = out.loss().getFloat();
                metrics.putAll(out.metrics());
                policyDone = System.nanoTime();
                collector.backward(out.loss());
            }
            backwardDone = System.nanoTime();
            metrics.put("arrays_created", (double) scope.getManagedArrays().size());
        }
        double gradNorm = optimizer.update(adapters.parameters());
        long done = System.nanoTime();
        metrics.put("loss", lossValue);
        metrics.put("grad_norm", gradNorm);
        // Wall-clock seconds per phase, as TRL logs its timings: where a step's time goes.
        metrics.put("time/reference_forward", (referenceDone - start) / 1e9);
        metrics.put("time/policy_forward_and_loss", (policyDone - referenceDone) / 1e9);
        metrics.put("time/backward", (backwardDone - policyDone) / 1e9);
        metrics.put("time/optimizer", (done - backwardDone) / 1e9);
        return new StepResult(lossValue, gradNorm, metrics);
    }

    /**
     * Per row, the summed log-probs of the next tokens {@code nextIds (B, T, 1)} at the columns {@code targets (B, T)}
     * marks as completion.
     */
    private static NDArray sequenceLogps(NDArray logits, NDArray nextIds, NDArray targets) {
        return logits.logSoftmax(-1)
                .gather(nextIds, -1)
                .squeeze(-1)
                .mul(targets)
                .sum(new int[] {1});
    }

    @Override
    public void close() {
        optimizer.close();
    }
}
