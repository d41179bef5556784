package io.streamrlhf.app.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamrlhf.app.StreamRlhf;
import io.streamrlhf.trainer.hf.DType;
import io.streamrlhf.trainer.hf.HfModelConfig;
import io.streamrlhf.trainer.hf.SafetensorsWriter;
import io.streamrlhf.trainer.model.GradMode;
import io.streamrlhf.trainer.model.PolicyWeights;
import io.streamrlhf.trainer.model.llama.LlamaModel;
import io.streamrlhf.trainer.model.llama.LoraAdapters;
import io.streamrlhf.trainer.model.llama.LoraConfig;
import io.streamrlhf.trainer.tokenizer.ByteTokenizerFiles;
import io.streamrlhf.trainer.tokenizer.HfTokenizer;
import io.streamrlhf.trainer.tokenizer.PromptFormat;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code streamrlhf generate} and {@code export} on a tiny random Llama written here: {@code generate --greedy} prints
 * one JSON object whose generated ids are the arg-max of the full forward pass at each step, computed here token by
 * token, and generating from an export equals generating from its base with the adapter.
 */
class HfModelCommandsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void greedyGenerationPrintsTheFullForwardsArgMaxAsJson() throws Exception {
        Path dir = writeByteLlama(tmp.resolve("model"), 21);
        StringWriter out = new StringWriter();
        CommandLine cli = StreamRlhf.commandLine();
        cli.setOut(new PrintWriter(out));
        int code = cli.execute(
                "generate",
                "--model",
                dir.toString(),
                "--prompt",
                "Tell me a story",
                "--max-new-tokens",
                "10",
                "--greedy");
        assertThat(code).isZero();
        String[] lines = out.toString().strip().split("\n");
        assertThat(lines).hasSize(1);
        JsonNode json = JSON.readTree(lines[0]);

        List<Integer> expectedIds = new ArrayList<>();
        int[] prompt;
        try (NDManager manager = NDManager.newBaseManager();
                LlamaModel model = LlamaModel.load(dir, manager);
                HfTokenizer tokenizer = HfTokenizer.load(dir, PromptFormat.RAW, null);
                GradMode.Scope off = GradMode.off()) {
            prompt = tokenizer.encodePrompt("Tell me a story", 1000);
            Set<Integer> suppressed =
                    Arrays.stream(tokenizer.suppressedIds()).boxed().collect(Collectors.toSet());
            List<Long> seq = new ArrayList<>();
            Arrays.stream(prompt).forEach(id -> seq.add((long) id));
            int vocab = model.config().vocabSize();
            for (int step = 0; step < 10; step++) {
                long[] ids = seq.stream().mapToLong(Long::longValue).toArray();
                float[] all = model.logits(manager.create(ids, new Shape(1, ids.length)))
                        .toFloatArray();
                int from = (ids.length - 1) * vocab;
                int best = -1;
                for (int v = 0; v < vocab; v++) {
                    if (!suppressed.contains(v) && (best < 0 || all[from + v] > all[from + best])) {
                        best = v;
                    }
                }
                if (tokenizer.isEos(best)) {
                    break;
                }
                expectedIds.add(best);
                seq.add((long) best);
            }
            assertThat(json.get("text").asText())
                    .isEqualTo(tokenizer.decode(
                            expectedIds.stream().mapToInt(Integer::intValue).toArray()));
        }
        assertThat(ids(json.get("prompt_ids")))
                .containsExactlyElementsOf(Arrays.stream(prompt).boxed().toList());
        assertThat(ids(json.get("generated_ids"))).containsExactlyElementsOf(expectedIds);
        assertThat(expectedIds).isNotEmpty();
        assertThat(json.get("logprobs").size()).isBetween(expectedIds.size(), expectedIds.size() + 1);
        for (JsonNode lp : json.get("logprobs")) {
            assertThat(lp.asDouble()).isLessThanOrEqualTo(0.0);
        }
    }

    @Test
    void exportWritesAModelWhoseGreedyGenerationIsThatOfBasePlusAdapter() throws Exception {
        Path base = writeByteLlama(tmp.resolve("base"), 22);
        Path adapterDir = tmp.resolve("adapter");
        Path merged = tmp.resolve("merged");
        String expected;
        try (NDManager manager = NDManager.newBaseManager();
                LlamaModel model = LlamaModel.load(base, manager);
                GradMode.Scope off = GradMode.off()) {
            LoraAdapters adapters =
                    LoraAdapters.create(model, new LoraConfig(2, 8, 0.0, LoraConfig.allTargets(), false), 5);
            Random random = new Random(9);
            for (NDArray p : adapters.parameters().values()) {
                float[] values = new float[Math.toIntExact(p.size())];
                for (int i = 0; i < values.length; i++) {
                    values[i] = (float) (0.5 * random.nextGaussian());
                }
                PolicyWeights.assign(p, values);
            }
            adapters.save(adapterDir, base.toString());
        }
        String withAdapter = run(
                "generate",
                "--model",
                base.toString(),
                "--adapter",
                adapterDir.toString(),
                "--prompt",
                "Once",
                "--max-new-tokens",
                "8",
                "--greedy");
        String bare =
                run("generate", "--model", base.toString(), "--prompt", "Once", "--max-new-tokens", "8", "--greedy");
        run("export", "--model", base.toString(), "--adapter", adapterDir.toString(), merged.toString());
        String exported =
                run("generate", "--model", merged.toString(), "--prompt", "Once", "--max-new-tokens", "8", "--greedy");
        JsonNode a = JSON.readTree(withAdapter);
        JsonNode e = JSON.readTree(exported);
        assertThat(e.get("generated_ids")).isEqualTo(a.get("generated_ids"));
        for (int i = 0; i < a.get("logprobs").size(); i++) {
            assertThat(e.get("logprobs").get(i).asDouble())
                    .isCloseTo(a.get("logprobs").get(i).asDouble(), within(1e-4));
        }
        // The adapter changes what is generated, so the comparison says something about the merge.
        assertThat(JSON.readTree(bare).get("logprobs")).isNotEqualTo(a.get("logprobs"));
    }

    private static String run(String... args) {
        StringWriter out = new StringWriter();
        CommandLine cli = StreamRlhf.commandLine();
        cli.setOut(new PrintWriter(out));
        assertThat(cli.execute(args)).as(String.join(" ", args)).isZero();
        return out.toString().strip();
    }

    @Test
    void aMissingModelDirectoryFailsWithoutOutput() {
        StringWriter out = new StringWriter();
        CommandLine cli = StreamRlhf.commandLine();
        cli.setOut(new PrintWriter(out));
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        int code = cli.execute("generate", "--model", tmp.resolve("absent").toString(), "--prompt", "x");
        assertThat(code).isEqualTo(1);
        assertThat(out.toString()).isEmpty();
        assertThat(err.toString().strip())
                .startsWith("streamrlhf generate: ")
                .contains(tmp.resolve("absent").toString())
                .doesNotContain("\tat ");
    }

    private static List<Integer> ids(JsonNode array) {
        List<Integer> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asInt()));
        return out;
    }

    /** A tiny random Llama over the byte tokenizer's 260 ids, with the tokenizer's files beside it. */
    static Path writeByteLlama(Path dir, long seed) throws Exception {
        Files.createDirectories(dir);
        ObjectNode c = JSON.createObjectNode();
        c.put("model_type", "llama");
        c.put("hidden_size", 32);
        c.put("intermediate_size", 48);
        c.put("num_hidden_layers", 2);
        c.put("num_attention_heads", 4);
        c.put("num_key_value_heads", 2);
        c.put("rms_norm_eps", 1e-5);
        c.put("hidden_act", "silu");
        c.put("tie_word_embeddings", false);
        c.put("vocab_size", 260);
        c.put("max_position_embeddings", 128);
        c.put("bos_token_id", 256);
        c.put("eos_token_id", 257);
        c.put("torch_dtype", "float32");
        JSON.writeValue(dir.resolve("config.json").toFile(), c);
        Random random = new Random(seed);
        SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
        for (Map.Entry<String, long[]> e :
                LlamaModel.expectedShapes(HfModelConfig.parse(c)).entrySet()) {
            long count = Arrays.stream(e.getValue()).reduce(1, (a, b) -> a * b);
            float[] values = new float[(int) count];
            boolean norm = e.getKey().endsWith("norm.weight");
            for (int k = 0; k < values.length; k++) {
                double g = random.nextGaussian();
                values[k] = (float) (norm ? 1 + 0.2 * g : 0.3 * g);
            }
            writer.add(e.getKey(), DType.F32, e.getValue(), values);
        }
        writer.write(dir.resolve("model.safetensors"));
        ByteTokenizerFiles.write(dir);
        return dir;
    }
}
