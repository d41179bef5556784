package io.streamrlhf.trainer.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.Pair;
import io.streamrlhf.trainer.batch.SequenceCollator;
import io.streamrlhf.trainer.batch.TokenBatch;
import io.streamrlhf.trainer.config.ModelConfig;
import io.streamrlhf.trainer.cpu.MklDispatch;
import io.streamrlhf.trainer.tokenizer.ByteTokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The policy: a {@link TransformerLM} with its tokenizer, device and native memory.
 *
 * <p>This is the class the sampler uses: {@link #create(ModelConfig)} or a checkpoint loaded through
 * {@code io.streamrlhf.trainer.checkpoint.Checkpoints}, then {@link #generate}. The trainer uses
 * {@link #completionLogps} inside a gradient collector. Not thread-safe; close it to free native
 * memory.
 */
public final class PolicyModel implements AutoCloseable {

  private final ModelConfig config;
  private final ByteTokenizer tokenizer = new ByteTokenizer();
  private final SequenceCollator collator;
  private final Device device;
  private final NDManager manager;
  private final TransformerLM block;
  private final LinkedHashMap<String, Parameter> parameters = new LinkedHashMap<>();

  private PolicyModel(ModelConfig config, Device device) {
    this.config = config;
    this.device = device;
    this.collator = new SequenceCollator(tokenizer, config.context());
    MklDispatch.ensureLoaded();
    this.manager = NDManager.newBaseManager(device);
    this.block = new TransformerLM(config, ByteTokenizer.VOCAB_SIZE);
    Engine.getInstance().setRandomSeed((int) config.seed());
    block.setInitializer(new NormalInitializer(0.02f), Parameter.Type.WEIGHT);
    block.initialize(manager, DataType.FLOAT32, new Shape(1, config.context()));
    for (Pair<String, Parameter> p : block.getParameters()) {
      parameters.put(p.getKey(), p.getValue());
    }
  }

  /** A freshly initialised model on {@link Devices#best()}. */
  public static PolicyModel create(ModelConfig config) {
    return new PolicyModel(config, Devices.best());
  }

  /** A freshly initialised model on the given device. */
  public static PolicyModel create(ModelConfig config, Device device) {
    return new PolicyModel(config, device);
  }

  /** The model shape. */
  public ModelConfig config() {
    return config;
  }

  /** The tokenizer. */
  public ByteTokenizer tokenizer() {
    return tokenizer;
  }

  /** The collator matching this model's context. */
  public SequenceCollator collator() {
    return collator;
  }

  /** The device holding the weights. */
  public Device device() {
    return device;
  }

  /** The manager owning the weights; create per-step sub-managers from it. */
  public NDManager manager() {
    return manager;
  }

  /** Trainable parameters by stable name, in a fixed order. */
  public Map<String, NDArray> parameters() {
    LinkedHashMap<String, NDArray> arrays = new LinkedHashMap<>();
    parameters.forEach((name, p) -> arrays.put(name, p.getArray()));
    return Collections.unmodifiableMap(arrays);
  }

  /** Number of trainable scalars. */
  public long parameterCount() {
    return parameters.values().stream().mapToLong(p -> p.getArray().size()).sum();
  }

  /** Logits {@code (B, T, V)} for token ids {@code (B, T)}; results live in the ids' manager. */
  public NDArray logits(NDArray tokens, boolean training) {
    ParameterStore store = new ParameterStore(tokens.getManager(), false);
    return block.forward(store, new NDList(tokens), training).head();
  }

  /**
   * Sum of completion-token log-probs and completion token counts per row; prompt and padding
   * positions are masked out. Arrays are created in {@code scope}.
   */
  public CompletionLogps completionLogps(NDManager scope, TokenBatch batch, boolean training) {
    if (!training) {
      // Scoring only: no graph, whatever this thread's grad mode was.
      try (GradMode.Scope off = GradMode.off()) {
        return scoreCompletions(scope, batch, false);
      }
    }
    return scoreCompletions(scope, batch, true);
  }

  private CompletionLogps scoreCompletions(NDManager scope, TokenBatch batch, boolean training) {
    Shape shape = new Shape(batch.rows(), batch.length());
    NDArray inputs = scope.create(batch.inputs(), shape).toDevice(device, false);
    NDArray targets = scope.create(batch.targets(), shape).toDevice(device, false);
    NDArray mask = scope.create(batch.mask(), shape).toDevice(device, false);
    NDArray logProbs = logits(inputs, training).logSoftmax(-1)
        .gather(targets.expandDims(-1), -1)
        .squeeze(-1);
    NDArray masked = logProbs.mul(mask);
    return new CompletionLogps(masked.sum(new int[] {1}), mask.sum(new int[] {1}), masked, mask);
  }

  /** Convenience: collates the samples and returns their completion log-probs. */
  public CompletionLogps completionLogps(
      NDManager scope, List<SequenceCollator.Sample> samples, boolean training) {
    return completionLogps(scope, collator.collate(samples), training);
  }

  /** Generates one completion for {@code prompt}. */
  public String generate(String prompt, SamplingConfig sampling, Random random) {
    return generate(List.of(prompt), sampling, random).get(0);
  }

  /**
   * Generates a completion per prompt (batched), stopping each row at EOS, at
   * {@code maxTokens} or at the context limit. Never emits BOS, PAD or SEP.
   */
  public List<String> generate(List<String> prompts, SamplingConfig sampling, Random random) {
    return generateWithLogprobs(prompts, sampling, random).stream().map(Generation::text).toList();
  }

  /**
   * A generated completion and the policy's log-probability of each token it sampled, under the untempered
   * distribution (what {@link #completionLogps} scores): one entry per completion token, plus the end token's
   * when generation stopped at it.
   *
   * @param text the completion (decoded bytes; invalid UTF-8 becomes U+FFFD)
   * @param tokens the sampled completion token ids, end token excluded
   * @param tokenLogprobs per-token log-probabilities
   */
  public record Generation(String text, int[] tokens, float[] tokenLogprobs) {

    /** Whether generation stopped at the end token (else it was cut off at a token limit). */
    public boolean ended() {
      return tokenLogprobs.length > tokens.length;
    }
  }

  /**
   * As {@link #generate(List, SamplingConfig, Random)}, with the sampled tokens' log-probabilities. Decodes with a
   * key-value cache: the prompts (left-padded to one length) run through the model once, then each step runs
   * only the newly sampled token of each row against the cached keys and values.
   */
  public List<Generation> generateWithLogprobs(
      List<String> prompts, SamplingConfig sampling, Random random) {
    try (GradMode.Scope off = GradMode.off()) {
      return KV_CACHE ? generateCached(prompts, sampling, random)
          : generateWithoutGrad(prompts, sampling, random);
    }
  }

  /**
   * Whether generation uses the key-value cache: yes unless the JVM runs with
   * {@code -Dtrainer.generation.kvCache=false}, a switch for comparing runs, not a tuning knob.
   */
  private static final boolean KV_CACHE =
      !"false".equalsIgnoreCase(System.getProperty("trainer.generation.kvCache"));

  /**
   * The same generation without the cache: every step reruns the model over each whole sequence. The reference
   * that {@link #generateWithLogprobs} is tested and benchmarked against.
   */
  public List<Generation> generateWithLogprobsUncached(
      List<String> prompts, SamplingConfig sampling, Random random) {
    try (GradMode.Scope off = GradMode.off()) {
      return generateWithoutGrad(prompts, sampling, random);
    }
  }

  /** The prompt's token ids, keeping its tail when it would leave no room for a generated token. */
  private int[] promptIds(String prompt) {
    int[] ids = tokenizer.encodePrompt(prompt);
    if (ids.length > config.context() - 1) {
      int[] tail = Arrays.copyOfRange(ids, ids.length - (config.context() - 2), ids.length);
      ids = new int[tail.length + 1];
      ids[0] = ByteTokenizer.BOS;
      System.arraycopy(tail, 0, ids, 1, tail.length);
    }
    return ids;
  }

  private List<Generation> generateCached(List<String> prompts, SamplingConfig sampling, Random random) {
    int rows = prompts.size();
    int[][] prefixes = new int[rows][];
    int longestPrompt = 0;
    for (int r = 0; r < rows; r++) {
      prefixes[r] = promptIds(prompts.get(r));
      longestPrompt = Math.max(longestPrompt, prefixes[r].length);
    }
    int capacity = Math.min(config.context(), longestPrompt + sampling.maxTokens());
    int width = longestPrompt;
    int[] pads = new int[rows];
    int[] lengths = new int[rows];
    long[] tokens = new long[rows * width];
    long[] positions = new long[rows * width];
    float[] mask = new float[rows * width * width];
    float masked = TransformerLM.MASKED;
    for (int r = 0; r < rows; r++) {
      lengths[r] = prefixes[r].length;
      pads[r] = width - lengths[r];
      for (int t = 0; t < width; t++) {
        tokens[r * width + t] = t < pads[r] ? ByteTokenizer.PAD : prefixes[r][t - pads[r]];
        positions[r * width + t] = Math.max(0, t - pads[r]);
        for (int j = 0; j < width; j++) {
          mask[(r * width + t) * width + j] = j > t || j < pads[r] ? masked : 0f;
        }
      }
    }
    List<List<Integer>> generated = new ArrayList<>(rows);
    List<List<Float>> logprobs = new ArrayList<>(rows);
    for (int r = 0; r < rows; r++) {
      generated.add(new ArrayList<>());
      logprobs.add(new ArrayList<>());
    }
    boolean[] done = new boolean[rows];
    int vocab = ByteTokenizer.VOCAB_SIZE;
    try (NDManager generation = manager.newSubManager()) {
      KvCache cache = new KvCache(generation, config.layers());
      // Prefill: the prompts, one pass; the logits at the last position start every row.
      float[] next = decodeStep(cache, tokens, positions, mask, rows, width, width);
      for (int step = 0; step < sampling.maxTokens(); step++) {
        long[] stepTokens = new long[rows];
        long[] stepPositions = new long[rows];
        boolean active = false;
        for (int r = 0; r < rows; r++) {
          stepTokens[r] = ByteTokenizer.PAD;
          stepPositions[r] = Math.min(lengths[r], config.context() - 1);
          if (done[r]) {
            continue;
          }
          int token = sampleInto(next, r * vocab, sampling, random, logprobs.get(r));
          if (token == ByteTokenizer.EOS) {
            done[r] = true;
            continue;
          }
          generated.get(r).add(token);
          stepTokens[r] = token;
          lengths[r]++;
          if (lengths[r] >= capacity) {
            done[r] = true;
          } else {
            active = true;
          }
        }
        if (!active || step == sampling.maxTokens() - 1) {
          break;
        }
        // This step's tokens sit at each row's next position and see its prompt and what it generated.
        int keys = Math.toIntExact(cache.length()) + 1;
        float[] stepMask = new float[rows * keys];
        for (int r = 0; r < rows; r++) {
          for (int j = 0; j < pads[r]; j++) {
            stepMask[r * keys + j] = masked;
          }
        }
        next = decodeStep(cache, stepTokens, stepPositions, stepMask, rows, 1, keys);
      }
    }
    return generations(generated, logprobs);
  }

  /** Samples a token from the logits at {@code logits[from, from + V)}; records its untempered log-prob. */
  private static int sampleInto(float[] logits, int from, SamplingConfig sampling, Random random,
      List<Float> logprobs) {
    float[] row = Arrays.copyOfRange(logits, from, from + ByteTokenizer.VOCAB_SIZE);
    double logNormalizer = logSumExp(row);
    // sample() masks only BOS, PAD and SEP, never the token it returns, so row[token] is intact.
    int token = sample(row, sampling, random);
    logprobs.add((float) (row[token] - logNormalizer));
    return token;
  }

  private List<Generation> generations(List<List<Integer>> generated, List<List<Float>> logprobs) {
    List<Generation> out = new ArrayList<>(generated.size());
    for (int r = 0; r < generated.size(); r++) {
      float[] lp = new float[logprobs.get(r).size()];
      for (int i = 0; i < lp.length; i++) {
        lp[i] = logprobs.get(r).get(i);
      }
      int[] ids = generated.get(r).stream().mapToInt(Integer::intValue).toArray();
      out.add(new Generation(tokenizer.decode(ids), ids, lp));
    }
    return out;
  }

  /** Runs {@code time} new tokens per row through the cached model; the logits at each row's last one. */
  private float[] decodeStep(KvCache cache, long[] tokens, long[] positions, float[] mask, int rows, int time,
      int keys) {
    try (NDManager step = manager.newSubManager()) {
      NDArray ids = step.create(tokens, new Shape(rows, time)).toDevice(device, false);
      NDArray at = step.create(positions, new Shape(rows, time)).toDevice(device, false);
      NDArray hide = step.create(mask, new Shape(rows, 1, time, keys)).toDevice(device, false);
      NDArray logits = block.decode(new ParameterStore(step, false), ids, at, hide, cache);
      return logits.get(new NDIndex(":, -1, :")).toType(DataType.FLOAT32, false).toFloatArray();
    }
  }

  private List<Generation> generateWithoutGrad(
      List<String> prompts, SamplingConfig sampling, Random random) {
    int rows = prompts.size();
    List<int[]> prefixes = new ArrayList<>(rows);
    int[] lengths = new int[rows];
    int longestPrompt = 0;
    for (String prompt : prompts) {
      int[] ids = promptIds(prompt);
      prefixes.add(ids);
      longestPrompt = Math.max(longestPrompt, ids.length);
    }
    int capacity = Math.min(config.context(), longestPrompt + sampling.maxTokens());
    int[][] sequences = new int[rows][capacity];
    List<List<Integer>> generated = new ArrayList<>(rows);
    List<List<Float>> logprobs = new ArrayList<>(rows);
    boolean[] done = new boolean[rows];
    for (int r = 0; r < rows; r++) {
      Arrays.fill(sequences[r], ByteTokenizer.PAD);
      System.arraycopy(prefixes.get(r), 0, sequences[r], 0, prefixes.get(r).length);
      lengths[r] = prefixes.get(r).length;
      generated.add(new ArrayList<>());
      logprobs.add(new ArrayList<>());
    }
    int vocab = ByteTokenizer.VOCAB_SIZE;
    for (int step = 0; step < sampling.maxTokens(); step++) {
      int width = 0;
      for (int r = 0; r < rows; r++) {
        if (!done[r]) {
          width = Math.max(width, lengths[r]);
        }
      }
      if (width == 0 || width >= capacity + 1) {
        break;
      }
      long[] flat = new long[rows * width];
      for (int r = 0; r < rows; r++) {
        for (int t = 0; t < width; t++) {
          flat[r * width + t] = sequences[r][t];
        }
      }
      float[] all;
      try (NDManager scope = manager.newSubManager(); NDScope ignored = new NDScope()) {
        NDArray tokens = scope.create(flat, new Shape(rows, width)).toDevice(device, false);
        all = logits(tokens, false).toType(DataType.FLOAT32, false).toFloatArray();
      }
      for (int r = 0; r < rows; r++) {
        if (done[r]) {
          continue;
        }
        int next = sampleInto(all, (r * width + lengths[r] - 1) * vocab, sampling, random, logprobs.get(r));
        if (next == ByteTokenizer.EOS) {
          done[r] = true;
          continue;
        }
        generated.get(r).add(next);
        sequences[r][lengths[r]++] = next;
        if (lengths[r] >= capacity) {
          done[r] = true;
        }
      }
    }
    return generations(generated, logprobs);
  }

  private static double logSumExp(float[] logits) {
    double max = Double.NEGATIVE_INFINITY;
    for (float l : logits) {
      max = Math.max(max, l);
    }
    double sum = 0;
    for (float l : logits) {
      sum += Math.exp(l - max);
    }
    return max + Math.log(sum);
  }

  static int sample(float[] logits, SamplingConfig sampling, Random random) {
    logits[ByteTokenizer.BOS] = Float.NEGATIVE_INFINITY;
    logits[ByteTokenizer.PAD] = Float.NEGATIVE_INFINITY;
    logits[ByteTokenizer.SEP] = Float.NEGATIVE_INFINITY;
    if (sampling.temperature() == 0) {
      int best = 0;
      for (int i = 1; i < logits.length; i++) {
        if (logits[i] > logits[best]) {
          best = i;
        }
      }
      return best;
    }
    double max = Double.NEGATIVE_INFINITY;
    for (float l : logits) {
      max = Math.max(max, l);
    }
    double[] probs = new double[logits.length];
    double total = 0;
    for (int i = 0; i < logits.length; i++) {
      probs[i] = Math.exp((logits[i] - max) / sampling.temperature());
      total += probs[i];
    }
    Integer[] order = new Integer[logits.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
      probs[i] /= total;
    }
    Arrays.sort(order, (a, b) -> Double.compare(probs[b], probs[a]));
    // Nucleus: the smallest prefix of the sorted distribution whose mass reaches topP.
    double kept = 0;
    int cut = 0;
    while (cut < order.length && (cut == 0 || kept < sampling.topP())) {
      kept += probs[order[cut++]];
    }
    double u = random.nextDouble() * kept;
    for (int i = 0; i < cut; i++) {
      u -= probs[order[i]];
      if (u <= 0) {
        return order[i];
      }
    }
    return order[cut - 1];
  }

  /** Copies of all weights as float arrays, by parameter name. */
  public Map<String, float[]> exportWeights() {
    LinkedHashMap<String, float[]> out = new LinkedHashMap<>();
    parameters.forEach((name, p) -> out.put(name, p.getArray().toFloatArray()));
    return out;
  }

  /**
   * Overwrites the weights in place (parameters keep their identity and gradient buffers).
   *
   * @throws IllegalArgumentException when a name is missing or a size differs
   */
  public void importWeights(Map<String, float[]> weights) {
    for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
      float[] values = weights.get(e.getKey());
      NDArray target = e.getValue().getArray();
      if (values == null || values.length != target.size()) {
        throw new IllegalArgumentException("weights for " + e.getKey() + " missing or of size "
            + (values == null ? "none" : values.length) + ", expected " + target.size());
      }
      assign(target, values);
    }
  }

  /** A frozen copy with the same weights, for the reference model. */
  public PolicyModel frozenCopy() {
    PolicyModel copy = new PolicyModel(config, device);
    copy.importWeights(exportWeights());
    for (Parameter p : copy.parameters.values()) {
      p.getArray().setRequiresGradient(false);
    }
    return copy;
  }

  /** A trainable copy with the same weights on {@code target} (a data-parallel replica). */
  public PolicyModel copyTo(Device target) {
    PolicyModel copy = new PolicyModel(config, target);
    try {
      copy.copyWeightsFrom(this);
      return copy;
    } catch (RuntimeException e) {
      copy.close();
      throw e;
    }
  }

  /**
   * Overwrites this model's weights in place with {@code source}'s, device to device (no host
   * round trip); both must have the same shape.
   */
  public void copyWeightsFrom(PolicyModel source) {
    if (!config.equals(source.config)) {
      throw new IllegalArgumentException("cannot copy weights between different model shapes");
    }
    try (GradMode.Scope off = GradMode.off(); NDScope ignored = new NDScope()) {
      for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
        NDArray target = e.getValue().getArray();
        NDArray from = source.parameters.get(e.getKey()).getArray();
        target.muli(0).addi(from.getDevice().equals(target.getDevice())
            ? from : from.toDevice(target.getDevice(), true));
      }
    }
  }

  /** Writes {@code values} into {@code target} in place without touching autograd state. */
  static void assign(NDArray target, float[] values) {
    try (GradMode.Scope off = GradMode.off();
        NDManager scope = target.getManager().newSubManager()) {
      NDArray source = scope.create(values, target.getShape()).toDevice(target.getDevice(), false);
      // In place: the parameter keeps its identity and requires-grad flag.
      target.muli(0).addi(source);
    }
  }

  /** Sum of squares of all weights: a cheap fingerprint for tests and logs. */
  public double weightNormSquared() {
    double sum = 0;
    try (NDScope ignored = new NDScope()) {
      for (Parameter p : parameters.values()) {
        sum += p.getArray().square().sum().getFloat();
      }
    }
    return sum;
  }

  @Override
  public void close() {
    manager.close();
  }
}
