package io.streamrlhf.bench.trainer;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamrlhf.trainer.hf.DType;
import io.streamrlhf.trainer.hf.HfModelConfig;
import io.streamrlhf.trainer.hf.SafetensorsWriter;
import io.streamrlhf.trainer.model.llama.LlamaModel;
import io.streamrlhf.trainer.model.llama.LoraAdapters;
import io.streamrlhf.trainer.model.llama.LoraConfig;
import io.streamrlhf.trainer.tokenizer.ByteTokenizer;
import io.streamrlhf.trainer.tokenizer.ByteTokenizerFiles;
import io.streamrlhf.trainer.tokenizer.EncodedPair;
import io.streamrlhf.trainer.tokenizer.HfTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A benchmark model directory with random weights, written once and read by both engines: {@code config.json} and
 * {@code model.safetensors} in Hugging Face's layout, {@code adapter/} (a PEFT LoRA adapter of rank {@code r} on all
 * seven projections, with a non-zero {@code B} so that the policy differs from the reference from the first step),
 * the byte-level vocabulary as {@code tokenizer.json} and {@code tokenizer_config.json} (so the trainer's own
 * {@code LlamaPolicy} loads the directory as it loads any model), and {@code batch.json}: the step's pairs as text
 * ({@code prompts}, {@code chosen}, {@code rejected}) for the trainer, and the same pairs as the token rows that
 * trainer's collator makes of them ({@code rows}: {@code pairs} chosen rows, then as many rejected ones sharing
 * their prompts, each {@code length + 1} ids, so the model reads {@code length} of them) for the PyTorch side.
 *
 * @param name the directory name and label
 * @param config the model's {@code config.json} fields
 * @param rank the adapters' rank
 * @param pairs preference pairs in the step
 * @param length tokens the model reads per row
 * @param promptLength prompt tokens per row (not scored)
 * @param std the weights' standard deviation (a tiny model needs larger ones for its logits to depend on them)
 */
public record LoraBenchModel(
        String name, ObjectNode config, int rank, int pairs, int length, int promptLength, double std) {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** A ~30 M-parameter Llama: 8 layers of 512, 8 heads over 4 key/value heads, 8192-token vocabulary, untied. */
    public static LoraBenchModel llama30m(int pairs, int length, int promptLength) {
        ObjectNode c = base("llama", 512, 1376, 8, 8, 4, 8192, false);
        return new LoraBenchModel("llama-30m", c, 16, pairs, length, promptLength, 0.02);
    }

    /** Qwen2.5-0.5B's shape: 24 layers of 896, 14 heads over 2 key/value heads, 4864 MLP, 151936 vocabulary, tied. */
    public static LoraBenchModel qwen05b(int pairs, int length, int promptLength) {
        return qwen05b(24, pairs, length, promptLength);
    }

    /**
     * Qwen2.5-0.5B's shape with {@code layers} decoder layers instead of 24 and the full vocabulary: whether a cost
     * is per layer or in the vocabulary's part (embedding, LM head, log-softmax) shows by comparing layer counts.
     */
    public static LoraBenchModel qwen05b(int layers, int pairs, int length, int promptLength) {
        ObjectNode c = base("qwen2", 896, 4864, layers, 14, 2, 151936, true);
        c.put("rope_theta", 1000000.0);
        String name = layers == 24 ? "qwen2.5-0.5b-shape" : "qwen2.5-0.5b-shape-" + layers + "l";
        return new LoraBenchModel(name, c, 16, pairs, length, promptLength, 0.02);
    }

    /**
     * A tiny model of each feature the step uses (grouped queries, biases, tied head), for tests; its vocabulary is
     * the byte tokenizer's.
     */
    public static LoraBenchModel tiny(int pairs, int length, int promptLength) {
        ObjectNode c = base("qwen2", 32, 48, 2, 4, 2, ByteTokenizer.VOCAB_SIZE, true);
        return new LoraBenchModel("tiny", c, 4, pairs, length, promptLength, 0.3);
    }

    private static ObjectNode base(
            String type, int hidden, int intermediate, int layers, int heads, int kvHeads, int vocab, boolean tied) {
        ObjectNode c = JSON.createObjectNode();
        c.put("model_type", type);
        c.put("hidden_size", hidden);
        c.put("intermediate_size", intermediate);
        c.put("num_hidden_layers", layers);
        c.put("num_attention_heads", heads);
        c.put("num_key_value_heads", kvHeads);
        c.put("vocab_size", vocab);
        c.put("tie_word_embeddings", tied);
        c.put("hidden_act", "silu");
        c.put("rms_norm_eps", 1e-6);
        c.put("rope_theta", 10000.0);
        c.put("max_position_embeddings", 4096);
        c.put("torch_dtype", "float32");
        return c;
    }

    /** The parsed config. */
    public HfModelConfig hfConfig() {
        return HfModelConfig.parse(config);
    }

    /** The adapters' config: rank {@code r}, alpha {@code 2r}, no dropout (so both engines compute the same). */
    public LoraConfig loraConfig() {
        return new LoraConfig(rank, 2.0 * rank, 0.0, LoraConfig.allTargets(), false);
    }

    /** Rows in the step. */
    public int rows() {
        return 2 * pairs;
    }

    /** The step's FLOP count. */
    public LoraStepFlops flops() {
        // Column t scores the token after it: the first scored column is the prompt's last.
        return new LoraStepFlops(hfConfig(), rank, rows(), length, length - promptLength + 1);
    }

    /**
     * Writes the directory under {@code root} unless a complete one with the same content key is there, and returns
     * it. Weights are uniform with the standard deviation {@code std} (norm scales 1), seeded, so two writes are equal.
     */
    public Path writeUnder(Path root) throws IOException {
        String key = Integer.toHexString(
                (config.toString() + rank + "/" + std + "/" + pairs + "/" + length + "/" + promptLength + "/text-batch")
                        .hashCode());
        Path dir = root.resolve(name + "-" + key);
        Path done = dir.resolve("complete");
        if (Files.exists(done)) {
            return dir;
        }
        Files.createDirectories(dir.resolve("adapter"));
        HfModelConfig hf = hfConfig();
        JSON.writeValue(dir.resolve("config.json").toFile(), config);
        SplittableRandom random = new SplittableRandom(1234);
        SafetensorsWriter weights = new SafetensorsWriter().metadata("format", "pt");
        for (Map.Entry<String, long[]> e : LlamaModel.expectedShapes(hf).entrySet()) {
            boolean norm = e.getKey().endsWith("norm.weight");
            weights.add(e.getKey(), DType.F32, e.getValue(), values(e.getValue(), random, norm ? 0 : std, norm));
        }
        weights.write(dir.resolve("model.safetensors"));
        writeAdapter(dir.resolve("adapter"), hf, random);
        ByteTokenizerFiles.write(dir);
        writeBatch(dir, random);
        Files.writeString(done, "");
        return dir;
    }

    private void writeAdapter(Path dir, HfModelConfig hf, SplittableRandom random) throws IOException {
        LoraConfig lora = loraConfig();
        ObjectNode c = JSON.createObjectNode();
        c.put("peft_type", "LORA");
        c.put("task_type", "CAUSAL_LM");
        c.put("r", rank);
        c.put("lora_alpha", (long) lora.alpha());
        c.put("lora_dropout", 0.0);
        ArrayNode targets = c.putArray("target_modules");
        lora.targets().forEach(t -> targets.add(t.moduleName()));
        c.put("bias", "none");
        c.put("fan_in_fan_out", false);
        c.put("use_rslora", false);
        c.put("use_dora", false);
        JSON.writeValue(dir.resolve(LoraAdapters.CONFIG_FILE).toFile(), c);
        Map<String, long[]> shapes = LlamaModel.expectedShapes(hf);
        SafetensorsWriter w = new SafetensorsWriter().metadata("format", "pt");
        for (int layer = 0; layer < hf.numHiddenLayers(); layer++) {
            for (LoraConfig.Target t : lora.targets()) {
                String path = t.path(layer);
                long[] shape = shapes.get(path + ".weight");
                long[] a = {rank, shape[1]};
                long[] b = {shape[0], rank};
                w.add("base_model.model." + path + ".lora_A.weight", DType.F32, a, values(a, random, std, false));
                w.add("base_model.model." + path + ".lora_B.weight", DType.F32, b, values(b, random, std, false));
            }
        }
        w.write(dir.resolve(LoraAdapters.WEIGHTS_FILE));
    }

    /**
     * Random lower-case pairs whose collated rows are exactly {@code length + 1} tokens, {@code promptLength} of them
     * the prompt (its framing included), encoded by the directory's own tokenizer.
     */
    private void writeBatch(Path dir, SplittableRandom random) throws IOException {
        try (HfTokenizer tokenizer = HfTokenizer.load(dir)) {
            int framing = tokenizer.encodePrompt("", Integer.MAX_VALUE).length;
            int end = tokenizer.encodePair("p", "c", Integer.MAX_VALUE, true).ids().length
                    - tokenizer.encodePair("p", "c", Integer.MAX_VALUE, false).ids().length;
            int promptChars = promptLength - framing;
            int completionChars = length + 1 - promptLength - end;
            if (promptChars < 1 || completionChars < 1) {
                throw new IllegalArgumentException("rows of " + length + " tokens with a prompt of " + promptLength
                        + " leave no room for text: the framing takes " + framing + " and the end " + end);
            }
            ObjectNode b = JSON.createObjectNode();
            b.put("pairs", pairs);
            b.put("prompt_length", promptLength);
            ArrayNode prompts = b.putArray("prompts");
            ArrayNode chosen = b.putArray("chosen");
            ArrayNode rejected = b.putArray("rejected");
            List<int[]> rows = new ArrayList<>();
            List<int[]> rejectedRows = new ArrayList<>();
            for (int p = 0; p < pairs; p++) {
                String prompt = letters(promptChars, random);
                String good = letters(completionChars, random);
                String bad = letters(completionChars, random);
                prompts.add(prompt);
                chosen.add(good);
                rejected.add(bad);
                rows.add(encode(tokenizer, prompt, good));
                rejectedRows.add(encode(tokenizer, prompt, bad));
            }
            rows.addAll(rejectedRows);
            ArrayNode ids = b.putArray("rows");
            for (int[] row : rows) {
                ArrayNode r = ids.addArray();
                for (int id : row) {
                    r.add(id);
                }
            }
            JSON.writeValue(dir.resolve("batch.json").toFile(), b);
        }
    }

    private int[] encode(HfTokenizer tokenizer, String prompt, String completion) {
        EncodedPair pair = tokenizer.encodePair(prompt, completion, length + 1, true);
        if (pair.ids().length != length + 1 || pair.promptLength() != promptLength) {
            throw new IllegalStateException("the tokenizer made a row of " + pair.ids().length + " tokens (prompt "
                    + pair.promptLength() + ") instead of " + (length + 1) + " (prompt " + promptLength + ")");
        }
        return pair.ids();
    }

    private static String letters(int count, SplittableRandom random) {
        StringBuilder s = new StringBuilder(count);
        for (int i = 0; i < count; i++) {
            s.append((char) ('a' + random.nextInt(26)));
        }
        return s.toString();
    }

    private static float[] values(long[] shape, SplittableRandom random, double std, boolean ones) {
        long count = 1;
        for (long d : shape) {
            count *= d;
        }
        float[] v = new float[Math.toIntExact(count)];
        double half = std * Math.sqrt(3);
        for (int i = 0; i < v.length; i++) {
            v[i] = ones ? 1f : (float) ((random.nextDouble() * 2 - 1) * half);
        }
        return v;
    }
}
