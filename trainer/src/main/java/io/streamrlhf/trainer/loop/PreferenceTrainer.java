package io.streamrlhf.trainer.loop;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.streamrlhf.trainer.batch.PairExample;
import io.streamrlhf.trainer.batch.SequenceCollator;
import io.streamrlhf.trainer.batch.SequenceCollator.Sample;
import io.streamrlhf.trainer.batch.SourceBatch;
import io.streamrlhf.trainer.batch.TokenBatch;
import io.streamrlhf.trainer.batch.UnpairedExample;
import io.streamrlhf.trainer.loss.LossOutput;
import io.streamrlhf.trainer.loss.PairedLogps;
import io.streamrlhf.trainer.loss.PreferenceLosses;
import io.streamrlhf.trainer.loss.UnpairedLogps;
import io.streamrlhf.trainer.model.CompletionLogps;
import io.streamrlhf.trainer.model.ReferenceModel;
import io.streamrlhf.trainer.model.ReferenceModel.Request;
import io.streamrlhf.trainer.model.Scalars;
import io.streamrlhf.trainer.model.TrainableModel;
import io.streamrlhf.trainer.optim.AdamW;
import io.streamrlhf.trainer.parallel.DataParallel;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One optimizer step over micro-batches from several sources: each source's loss (scaled by its
 * weight) is back-propagated in turn so gradients accumulate, then AdamW updates once.
 *
 * <p>Reference log-probs come from the {@link ReferenceModel} cache. For KTO the KL reference point
 * uses mismatched pairs: example {@code i}'s prompt with example {@code i−1}'s completion (TRL's
 * rotation), scored by policy and reference without gradient; a single-example batch has no
 * mismatched pair and uses a reference point of 0.
 *
 * <p>With a {@link DataParallel} the forward and backward of each micro-batch are split across its
 * devices; the update is the same as on one device (up to floating-point summation order). Metrics
 * are the shards' values weighted by shard size (exact for the loss and for per-example means).
 */
public final class PreferenceTrainer {

    private final TrainableModel policy;
    private final ReferenceModel reference;
    private final AdamW optimizer;
    private final List<TrainableModel> models;
    private final DataParallel parallel;
    private final SequenceCollator collator;

    /**
     * A trainer updating {@code policy}'s {@link TrainableModel#trainableParameters()} with {@code optimizer} (made
     * over those parameters) against {@code reference}.
     */
    public PreferenceTrainer(TrainableModel policy, ReferenceModel reference, AdamW optimizer) {
        this(policy, reference, optimizer, null);
    }

    /**
     * A trainer whose micro-batches are split across {@code parallel}'s devices (data parallel); its
     * primary must be {@code policy}, which holds the optimizer's weights. {@code null} trains on the
     * policy's device alone.
     */
    public PreferenceTrainer(TrainableModel policy, ReferenceModel reference, AdamW optimizer, DataParallel parallel) {
        if (parallel != null && parallel.primary() != policy) {
            throw new IllegalArgumentException("the data-parallel primary must be the trained policy");
        }
        this.policy = policy;
        this.reference = reference;
        this.optimizer = optimizer;
        this.models = parallel == null ? List.of(policy) : List.copyOf(parallel.models());
        this.parallel = parallel;
        // Replicas share the policy's shape and tokenizer, so one collator serves every shard.
        this.collator = new SequenceCollator(policy.tokenizer(), policy.maxTokens());
    }

    /** The optimizer (for its step and state). */
    public AdamW optimizer() {
        return optimizer;
    }

    /** The policy being trained. */
    public TrainableModel policy() {
        return policy;
    }

    /** The reference model. */
    public ReferenceModel reference() {
        return reference;
    }

    /** Runs one optimizer step over the given micro-batches and returns its metrics. */
    public StepResult step(List<SourceBatch> batches) {
        if (batches.isEmpty()) {
            throw new IllegalArgumentException("a step needs at least one micro-batch");
        }
        long start = System.nanoTime();
        long startCpu = processCpuNanos();
        // Everything that needs no gradient first, outside the collector.
        List<float[][]> prepared = new ArrayList<>(batches.size());
        for (SourceBatch batch : batches) {
            prepared.add(prepare(batch));
        }
        long prepared0 = System.nanoTime();
        long preparedCpu = processCpuNanos();
        long forwardNanos = 0;
        long backwardNanos = 0;
        long forwardCpu = 0;
        long backwardCpu = 0;
        Map<String, Double> metrics = new LinkedHashMap<>();
        long tokens = 0;
        int examples = 0;
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            for (int i = 0; i < batches.size(); i++) {
                SourceBatch batch = batches.get(i);
                int n = batch.size();
                // Shard k runs on model k; every shard's loss is scaled by its share of the batch so the
                // summed gradient is the whole batch's. A loss that is not a per-example mean (ORPO) stays
                // whole on the primary.
                List<int[]> shards = models.size() == 1 || !batch.loss().type().perExampleMean()
                        ? List.of(new int[] {0, n})
                        : DataParallel.shards(n, models.size());
                double[] shares = new double[shards.size()];
                for (int k = 0; k < shards.size(); k++) {
                    shares[k] = (shards.get(k)[1] - shards.get(k)[0]) / (double) n;
                }
                List<NDManager> scopes = new ArrayList<>(shards.size());
                long forwardStart = System.nanoTime();
                long forwardStartCpu = processCpuNanos();
                try (NDScope ignored = new NDScope()) {
                    NDArray total = null;
                    double loss = 0;
                    List<Forward> forwards = new ArrayList<>(shards.size());
                    for (int k = 0; k < shards.size(); k++) {
                        TrainableModel model = models.get(k);
                        int from = shards.get(k)[0];
                        int to = shards.get(k)[1];
                        NDManager scope = model.manager().newSubManager();
                        scopes.add(scope);
                        Forward forward = batch instanceof SourceBatch.Pairs pairs
                                ? pairedLoss(model, scope, pairs, prepared.get(i), from, to)
                                : unpairedLoss(model, scope, (SourceBatch.Unpaired) batch, prepared.get(i), from, to);
                        forwards.add(forward);
                        NDArray part = Scalars.mul(forward.output().loss(), shares[k] * batch.sourceWeight());
                        if (!part.getDevice().equals(policy.device())) {
                            part = part.toDevice(policy.device(), false);
                        }
                        total = total == null ? part : total.add(part);
                    }
                    long forwardDone = System.nanoTime();
                    long forwardDoneCpu = processCpuNanos();
                    forwardNanos += forwardDone - forwardStart;
                    forwardCpu += forwardDoneCpu - forwardStartCpu;
                    // One backward over every shard: autograd runs each device's part of the graph.
                    collector.backward(total);
                    long backwardDone = System.nanoTime();
                    backwardNanos += backwardDone - forwardDone;
                    backwardCpu += processCpuNanos() - forwardDoneCpu;
                    List<Map<String, Double>> shardMetrics = new ArrayList<>(forwards.size());
                    for (int k = 0; k < forwards.size(); k++) {
                        Forward forward = forwards.get(k);
                        tokens += forward.tokens();
                        loss += shares[k] * forward.output().loss().getFloat();
                        shardMetrics.add(forward.output().metrics());
                    }
                    Map<String, Double> combined =
                            shardMetrics.size() == 1 ? shardMetrics.get(0) : mergeShardMetrics(shardMetrics, shares);
                    examples += n;
                    metrics.put("loss/" + batch.source(), loss);
                    for (Map.Entry<String, Double> m : combined.entrySet()) {
                        metrics.put(batch.source() + "/" + m.getKey(), m.getValue());
                        metrics.putIfAbsent(m.getKey(), m.getValue());
                    }
                } finally {
                    scopes.forEach(NDManager::close);
                }
            }
        }
        long updateStart = System.nanoTime();
        long updateStartCpu = processCpuNanos();
        if (parallel != null) {
            parallel.reduceGradients();
        }
        double gradNorm = optimizer.update(policy.trainableParameters());
        if (parallel != null) {
            parallel.broadcastWeights();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        metrics.put("grad_norm", gradNorm);
        metrics.put("learning_rate", optimizer.config().learningRateAt(optimizer.step()));
        metrics.put("tokens_per_s", tokens / seconds);
        metrics.put("examples_per_s", examples / seconds);
        metrics.put("step_seconds", seconds);
        // Wall-clock seconds per phase, as TRL logs its timings: where a step's time goes. The reference's forward
        // passes (and KTO's mismatched-pair scoring) happen before the graph is recorded.
        metrics.put("time/reference_forward", (prepared0 - start) / 1e9);
        metrics.put("time/policy_forward_and_loss", forwardNanos / 1e9);
        metrics.put("time/backward", backwardNanos / 1e9);
        metrics.put("time/optimizer", (System.nanoTime() - updateStart) / 1e9);
        // The process's CPU seconds in the same phases (every thread, the engine's intra-op pool included): a
        // phase whose CPU time is well below its wall time spent it off the CPU, waiting for a core or asleep.
        metrics.put("time/reference_forward_cpu", (preparedCpu - startCpu) / 1e9);
        metrics.put("time/policy_forward_and_loss_cpu", forwardCpu / 1e9);
        metrics.put("time/backward_cpu", backwardCpu / 1e9);
        metrics.put("time/optimizer_cpu", (processCpuNanos() - updateStartCpu) / 1e9);
        return new StepResult(optimizer.step(), metrics, examples, tokens, seconds);
    }

    private float[][] prepare(SourceBatch batch) {
        if (batch instanceof SourceBatch.Pairs pairs) {
            // With the KL penalty the loss scores the reference per token anyway and sums those.
            if (!pairs.loss().type().usesReference() || pairs.klCoef() > 0) {
                return new float[0][];
            }
            List<Request> requests = new ArrayList<>();
            for (PairExample e : pairs.examples()) {
                requests.add(new Request(e.id() + "/chosen", e.prompt(), e.chosen(), e.chosenEnded()));
            }
            for (PairExample e : pairs.examples()) {
                requests.add(new Request(e.id() + "/rejected", e.prompt(), e.rejected(), e.rejectedEnded()));
            }
            float[] all = reference.logps(requests);
            int n = pairs.size();
            return new float[][] {Arrays.copyOfRange(all, 0, n), Arrays.copyOfRange(all, n, 2 * n)};
        }
        SourceBatch.Unpaired unpaired = (SourceBatch.Unpaired) batch;
        List<UnpairedExample> examples = unpaired.examples();
        int n = examples.size();
        float[] ref = null;
        if (unpaired.klCoef() <= 0) {
            List<Request> requests = new ArrayList<>();
            for (UnpairedExample e : examples) {
                requests.add(new Request(e.id(), e.prompt(), e.completion(), !e.truncated()));
            }
            ref = reference.logps(requests);
        }
        float[] policyKl = new float[n];
        float[] referenceKl = new float[n];
        if (n > 1) {
            List<Request> klRequests = new ArrayList<>();
            List<Sample> klSamples = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                UnpairedExample prompt = examples.get(i);
                UnpairedExample other = examples.get((i - 1 + n) % n);
                klRequests.add(new Request(
                        "kl/" + prompt.id() + "/" + other.id(),
                        prompt.prompt(),
                        other.completion(),
                        !other.truncated()));
                klSamples.add(new Sample(prompt.prompt(), other.completion(), !other.truncated()));
            }
            referenceKl = reference.logps(klRequests);
            try (NDManager scope = policy.manager().newSubManager();
                    NDScope ignored = new NDScope()) {
                policyKl =
                        policy.completionLogps(scope, klSamples, false).sums().toFloatArray();
            }
        }
        return new float[][] {ref, policyKl, referenceKl};
    }

    /**
     * The whole batch's metrics from its shards': {@code count/*} add up; KTO's per-class means
     * ({@code …/chosen}, {@code …/rejected}) are weighted by the shards' class counts and its margin is
     * recomputed from them; every other metric is a per-example mean, weighted by shard size.
     */
    static Map<String, Double> mergeShardMetrics(List<Map<String, Double>> shards, double[] shares) {
        Map<String, Double> sums = new LinkedHashMap<>();
        Map<String, Double> weights = new LinkedHashMap<>();
        for (int k = 0; k < shards.size(); k++) {
            Map<String, Double> m = shards.get(k);
            for (Map.Entry<String, Double> e : m.entrySet()) {
                String key = e.getKey();
                double weight;
                if (key.startsWith("count/")) {
                    weight = Double.NaN;
                } else if (key.endsWith("/chosen") && m.containsKey("count/chosen")) {
                    weight = m.get("count/chosen");
                } else if (key.endsWith("/rejected") && m.containsKey("count/rejected")) {
                    weight = m.get("count/rejected");
                } else {
                    weight = shares[k];
                }
                if (Double.isNaN(weight)) {
                    sums.merge(key, e.getValue(), Double::sum);
                    weights.put(key, 1.0);
                } else {
                    sums.merge(key, weight * e.getValue(), Double::sum);
                    weights.merge(key, weight, Double::sum);
                }
            }
        }
        Map<String, Double> out = new LinkedHashMap<>();
        sums.forEach((key, sum) -> out.put(key, sum / weights.get(key)));
        if (out.containsKey("count/chosen")
                && out.containsKey("rewards/chosen")
                && out.containsKey("rewards/rejected")) {
            out.put("rewards/margins", out.get("rewards/chosen") - out.get("rewards/rejected"));
        }
        return out;
    }

    /** The paired loss of examples {@code [from, to)} of {@code pairs}, forward on {@code model}. */
    private Forward pairedLoss(
            TrainableModel model, NDManager scope, SourceBatch.Pairs pairs, float[][] ref, int from, int to) {
        List<PairExample> shard = pairs.examples().subList(from, to);
        int n = shard.size();
        List<Sample> samples = new ArrayList<>(2 * n);
        float[] weights = new float[n];
        for (int i = 0; i < n; i++) {
            PairExample e = shard.get(i);
            samples.add(new Sample(e.prompt(), e.chosen(), e.chosenEnded()));
            weights[i] = (float) e.weight();
        }
        for (PairExample e : shard) {
            samples.add(new Sample(e.prompt(), e.rejected(), e.rejectedEnded()));
        }
        // Chosen and rejected in one forward pass, as TRL's concatenated_forward.
        TokenBatch tokens = collator.collate(samples);
        CompletionLogps logps = model.completionLogps(scope, tokens, true);
        NDIndex first = new NDIndex("0:" + n);
        NDIndex second = new NDIndex(n + ":");
        NDArray refTokens = pairs.klCoef() > 0 ? referenceTokens(model, scope, tokens) : null;
        NDArray refChosen;
        NDArray refRejected;
        if (refTokens != null && pairs.loss().type().usesReference()) {
            NDArray refSums = refTokens.sum(new int[] {1});
            refChosen = refSums.get(first);
            refRejected = refSums.get(second);
        } else if (ref.length > 0) {
            refChosen = onDevice(model, scope, Arrays.copyOfRange(ref[0], from, to));
            refRejected = onDevice(model, scope, Arrays.copyOfRange(ref[1], from, to));
        } else {
            refChosen = scope.zeros(new Shape(n)).toDevice(model.device(), false);
            refRejected = refChosen;
        }
        PairedLogps in = new PairedLogps(
                logps.sums().get(first),
                logps.sums().get(second),
                refChosen,
                refRejected,
                logps.counts().get(first),
                logps.counts().get(second),
                onDevice(model, scope, weights));
        LossOutput out = PreferenceLosses.paired(pairs.loss(), in);
        return new Forward(withKlPenalty(out, pairs.klCoef(), refTokens, logps), tokens.realTokens());
    }

    /**
     * The KTO loss of examples {@code [from, to)}, forward on {@code model}; the KL reference point
     * still comes from the whole micro-batch's mismatched pairs, so every shard uses the same one.
     */
    private Forward unpairedLoss(
            TrainableModel model, NDManager scope, SourceBatch.Unpaired batch, float[][] prepared, int from, int to) {
        List<UnpairedExample> shard = batch.examples().subList(from, to);
        int n = shard.size();
        List<Sample> samples = new ArrayList<>(n);
        float[] desirable = new float[n];
        float[] weights = new float[n];
        for (int i = 0; i < n; i++) {
            UnpairedExample e = shard.get(i);
            samples.add(new Sample(e.prompt(), e.completion(), !e.truncated()));
            desirable[i] = e.desirable() ? 1f : 0f;
            weights[i] = (float) e.weight();
        }
        TokenBatch tokens = collator.collate(samples);
        CompletionLogps logps = model.completionLogps(scope, tokens, true);
        NDArray refTokens = batch.klCoef() > 0 ? referenceTokens(model, scope, tokens) : null;
        NDArray refSums = refTokens != null
                ? refTokens.sum(new int[] {1})
                : onDevice(model, scope, Arrays.copyOfRange(prepared[0], from, to));
        UnpairedLogps in = new UnpairedLogps(
                logps.sums(),
                refSums,
                onDevice(model, scope, prepared[1]),
                onDevice(model, scope, prepared[2]),
                onDevice(model, scope, desirable),
                onDevice(model, scope, weights));
        LossOutput out = PreferenceLosses.kto(batch.loss(), in);
        return new Forward(withKlPenalty(out, batch.klCoef(), refTokens, logps), tokens.realTokens());
    }

    /**
     * The reference's masked per-token log-probs {@code (B, T)} for a collated batch, on the shard's
     * device. With the KL penalty on they serve both the penalty and, summed per row, the loss's
     * reference log-probs, so the reference scores each completion once.
     */
    private NDArray referenceTokens(TrainableModel model, NDManager scope, TokenBatch tokens) {
        return scope.create(reference.tokenLogps(tokens), new Shape(tokens.rows(), tokens.length()))
                .toDevice(model.device(), false);
    }

    /**
     * Adds {@code klCoef ×} the per-token KL penalty toward the reference on the batch's own
     * completions (GRPO's k3 estimator {@code exp(ref − π) − (ref − π) − 1}, unbiased and never
     * negative; averaged over each completion's tokens, then over the rows). It anchors every token
     * of what the policy is trained on, the end token included: KTO's sequence-level push-down of
     * undesirable completions otherwise lowers the one token they all share, the end token, until
     * the policy stops ending its answers. {@code refTokens} is null when the penalty is off.
     */
    static LossOutput withKlPenalty(LossOutput out, double klCoef, NDArray refTokens, CompletionLogps logps) {
        if (klCoef <= 0) {
            return out;
        }
        NDArray delta = refTokens.sub(logps.tokens());
        NDArray perToken = delta.exp().sub(delta).sub(1f).mul(logps.mask());
        NDArray perRow = perToken.sum(new int[] {1}).div(logps.counts().maximum(1f));
        NDArray penalty = perRow.mean();
        Map<String, Double> metrics = new LinkedHashMap<>(out.metrics());
        metrics.put("kl_penalty", (double) penalty.getFloat());
        return new LossOutput(out.loss().add(Scalars.mul(penalty, klCoef)), metrics);
    }

    /** CPU time of every thread of this process, in nanoseconds (-1 where the JVM cannot tell). */
    private static long processCpuNanos() {
        return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
                ? os.getProcessCpuTime()
                : -1;
    }

    private static NDArray onDevice(TrainableModel model, NDManager scope, float[] values) {
        return scope.create(values).toDevice(model.device(), false);
    }

    private record Forward(LossOutput output, long tokens) {}

    /**
     * Outcome of one optimizer step.
     *
     * @param step optimizer step number after the update
     * @param metrics TRL-style metrics; per-source values also under {@code <source>/<key>}
     * @param examples examples absorbed
     * @param tokens non-padding tokens through the policy forward/backward
     * @param seconds wall time of the step
     */
    public record StepResult(long step, Map<String, Double> metrics, int examples, long tokens, double seconds) {}
}
