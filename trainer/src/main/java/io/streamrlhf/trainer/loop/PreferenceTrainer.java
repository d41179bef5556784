package io.streamrlhf.trainer.loop;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.streamrlhf.trainer.batch.PairExample;
import io.streamrlhf.trainer.batch.SequenceCollator.Sample;
import io.streamrlhf.trainer.batch.SourceBatch;
import io.streamrlhf.trainer.batch.TokenBatch;
import io.streamrlhf.trainer.batch.UnpairedExample;
import io.streamrlhf.trainer.loss.LossOutput;
import io.streamrlhf.trainer.loss.PairedLogps;
import io.streamrlhf.trainer.loss.PreferenceLosses;
import io.streamrlhf.trainer.loss.UnpairedLogps;
import io.streamrlhf.trainer.model.CompletionLogps;
import io.streamrlhf.trainer.model.PolicyModel;
import io.streamrlhf.trainer.model.ReferenceModel;
import io.streamrlhf.trainer.model.ReferenceModel.Request;
import io.streamrlhf.trainer.optim.AdamW;
import java.util.ArrayList;
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
 */
public final class PreferenceTrainer {

  private final PolicyModel policy;
  private final ReferenceModel reference;
  private final AdamW optimizer;

  /** A trainer updating {@code policy} with {@code optimizer} against {@code reference}. */
  public PreferenceTrainer(PolicyModel policy, ReferenceModel reference, AdamW optimizer) {
    this.policy = policy;
    this.reference = reference;
    this.optimizer = optimizer;
  }

  /** The optimizer (for its step and state). */
  public AdamW optimizer() {
    return optimizer;
  }

  /** The policy being trained. */
  public PolicyModel policy() {
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
    // Everything that needs no gradient first, outside the collector.
    List<float[][]> prepared = new ArrayList<>(batches.size());
    for (SourceBatch batch : batches) {
      prepared.add(prepare(batch));
    }
    Map<String, Double> metrics = new LinkedHashMap<>();
    long tokens = 0;
    int examples = 0;
    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
      for (int i = 0; i < batches.size(); i++) {
        SourceBatch batch = batches.get(i);
        try (NDManager scope = policy.manager().newSubManager(); NDScope ignored = new NDScope()) {
          Forward forward = batch instanceof SourceBatch.Pairs pairs
              ? pairedLoss(scope, pairs, prepared.get(i))
              : unpairedLoss(scope, (SourceBatch.Unpaired) batch, prepared.get(i));
          collector.backward(forward.output().loss().mul((float) batch.sourceWeight()));
          tokens += forward.tokens();
          examples += batch.size();
          metrics.put("loss/" + batch.source(), (double) forward.output().loss().getFloat());
          for (Map.Entry<String, Double> m : forward.output().metrics().entrySet()) {
            metrics.put(batch.source() + "/" + m.getKey(), m.getValue());
            metrics.putIfAbsent(m.getKey(), m.getValue());
          }
        }
      }
    }
    double gradNorm = optimizer.update(policy.parameters());
    double seconds = (System.nanoTime() - start) / 1e9;
    metrics.put("grad_norm", gradNorm);
    metrics.put("learning_rate", optimizer.config().learningRateAt(optimizer.step()));
    metrics.put("tokens_per_s", tokens / seconds);
    metrics.put("examples_per_s", examples / seconds);
    metrics.put("step_seconds", seconds);
    return new StepResult(optimizer.step(), metrics, examples, tokens, seconds);
  }

  private float[][] prepare(SourceBatch batch) {
    if (batch instanceof SourceBatch.Pairs pairs) {
      if (!pairs.loss().type().usesReference()) {
        return new float[0][];
      }
      List<Request> requests = new ArrayList<>();
      for (PairExample e : pairs.examples()) {
        requests.add(new Request(e.id() + "/chosen", e.prompt(), e.chosen()));
      }
      for (PairExample e : pairs.examples()) {
        requests.add(new Request(e.id() + "/rejected", e.prompt(), e.rejected()));
      }
      float[] all = reference.logps(requests);
      int n = pairs.size();
      return new float[][] {java.util.Arrays.copyOfRange(all, 0, n),
          java.util.Arrays.copyOfRange(all, n, 2 * n)};
    }
    List<UnpairedExample> examples = ((SourceBatch.Unpaired) batch).examples();
    int n = examples.size();
    List<Request> requests = new ArrayList<>();
    for (UnpairedExample e : examples) {
      requests.add(new Request(e.id(), e.prompt(), e.completion()));
    }
    float[] ref = reference.logps(requests);
    float[] policyKl = new float[n];
    float[] referenceKl = new float[n];
    if (n > 1) {
      List<Request> klRequests = new ArrayList<>();
      List<Sample> klSamples = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        UnpairedExample prompt = examples.get(i);
        UnpairedExample other = examples.get((i - 1 + n) % n);
        klRequests.add(new Request("kl/" + prompt.id() + "/" + other.id(), prompt.prompt(),
            other.completion()));
        klSamples.add(new Sample(prompt.prompt(), other.completion()));
      }
      referenceKl = reference.logps(klRequests);
      try (NDManager scope = policy.manager().newSubManager(); NDScope ignored = new NDScope()) {
        policyKl = policy.completionLogps(scope, klSamples, false).sums().toFloatArray();
      }
    }
    return new float[][] {ref, policyKl, referenceKl};
  }

  private Forward pairedLoss(NDManager scope, SourceBatch.Pairs pairs, float[][] ref) {
    int n = pairs.size();
    List<Sample> samples = new ArrayList<>(2 * n);
    float[] weights = new float[n];
    for (int i = 0; i < n; i++) {
      PairExample e = pairs.examples().get(i);
      samples.add(new Sample(e.prompt(), e.chosen()));
      weights[i] = (float) e.weight();
    }
    for (PairExample e : pairs.examples()) {
      samples.add(new Sample(e.prompt(), e.rejected()));
    }
    // Chosen and rejected in one forward pass, as TRL's concatenated_forward.
    TokenBatch tokens = policy.collator().collate(samples);
    CompletionLogps logps = policy.completionLogps(scope, tokens, true);
    NDIndex first = new NDIndex("0:" + n);
    NDIndex second = new NDIndex(n + ":");
    NDArray refChosen = ref.length > 0 ? scope.create(ref[0]) : scope.zeros(new Shape(n));
    NDArray refRejected = ref.length > 0 ? scope.create(ref[1]) : refChosen;
    PairedLogps in = new PairedLogps(
        logps.sums().get(first), logps.sums().get(second),
        refChosen.toDevice(policy.device(), false), refRejected.toDevice(policy.device(), false),
        logps.counts().get(first), logps.counts().get(second),
        scope.create(weights).toDevice(policy.device(), false));
    return new Forward(PreferenceLosses.paired(pairs.loss(), in), tokens.realTokens());
  }

  private Forward unpairedLoss(NDManager scope, SourceBatch.Unpaired batch, float[][] prepared) {
    int n = batch.size();
    List<Sample> samples = new ArrayList<>(n);
    float[] desirable = new float[n];
    float[] weights = new float[n];
    for (int i = 0; i < n; i++) {
      UnpairedExample e = batch.examples().get(i);
      samples.add(new Sample(e.prompt(), e.completion()));
      desirable[i] = e.desirable() ? 1f : 0f;
      weights[i] = (float) e.weight();
    }
    TokenBatch tokens = policy.collator().collate(samples);
    CompletionLogps logps = policy.completionLogps(scope, tokens, true);
    UnpairedLogps in = new UnpairedLogps(logps.sums(),
        onDevice(scope, prepared[0]), onDevice(scope, prepared[1]), onDevice(scope, prepared[2]),
        onDevice(scope, desirable), onDevice(scope, weights));
    return new Forward(PreferenceLosses.kto(batch.loss(), in), tokens.realTokens());
  }

  private NDArray onDevice(NDManager scope, float[] values) {
    return scope.create(values).toDevice(policy.device(), false);
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
  public record StepResult(
      long step, Map<String, Double> metrics, int examples, long tokens, double seconds) {}
}
