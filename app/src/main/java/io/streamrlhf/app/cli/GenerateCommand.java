package io.streamrlhf.app.cli;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamrlhf.trainer.generate.Generation;
import io.streamrlhf.trainer.generate.LlamaGenerator;
import io.streamrlhf.trainer.generate.SamplingConfig;
import io.streamrlhf.trainer.hf.ModelConfigException;
import io.streamrlhf.trainer.model.llama.LlamaModel;
import io.streamrlhf.trainer.model.llama.LoraAdapters;
import io.streamrlhf.trainer.tokenizer.HfTokenizer;
import io.streamrlhf.trainer.tokenizer.PromptFormat;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code streamrlhf generate}: one completion from a Hugging Face model directory (optionally with a PEFT LoRA
 * adapter), printed as one JSON object: the prompt's token ids, the generated ids, their log-probs (under the
 * untempered distribution) and the decoded text. Runs locally; needs no broker.
 */
@Command(
        name = "generate",
        mixinStandardHelpOptions = true,
        description = "Generate a completion with a Hugging Face model directory and print it as JSON.")
public final class GenerateCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(
            names = "--model",
            required = true,
            description = "Hugging Face model directory (config.json, "
                    + "safetensors, tokenizer.json, tokenizer_config.json).")
    Path model;

    @Option(names = "--adapter", description = "PEFT LoRA adapter directory to apply on top of the model.")
    Path adapter;

    @Option(names = "--chat", description = "Render the prompt as a user turn with the model's chat template.")
    boolean chat;

    @Option(names = "--prompt", required = true, description = "The prompt text.")
    String prompt;

    @Option(
            names = "--max-new-tokens",
            defaultValue = "64",
            description = "Most tokens to generate (default ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(
            names = "--greedy",
            description = "Pick the most likely token at each step (ignores temperature and top-p).")
    boolean greedy;

    @Option(
            names = "--temperature",
            defaultValue = "1.0",
            description = "Sampling temperature (default ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--top-p", defaultValue = "1.0", description = "Nucleus sampling mass (default ${DEFAULT-VALUE}).")
    double topP;

    @Option(names = "--seed", defaultValue = "0", description = "Sampling seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (maxNewTokens < 1) {
            throw new ParameterException(spec.commandLine(), "--max-new-tokens must be at least 1");
        }
        SamplingConfig sampling;
        try {
            sampling =
                    greedy ? SamplingConfig.greedy(maxNewTokens) : new SamplingConfig(temperature, topP, maxNewTokens);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        try {
            return generate(sampling);
        } catch (IOException | ModelConfigException e) {
            // A missing, truncated or unsupported model or adapter: one line naming the file, not a stack trace.
            spec.commandLine().getErr().println("streamrlhf generate: " + e.getMessage());
            spec.commandLine().getErr().flush();
            return 1;
        }
    }

    private int generate(SamplingConfig sampling) throws IOException {
        try (NDManager manager = NDManager.newBaseManager();
                LlamaModel llama = LlamaModel.load(model, manager);
                HfTokenizer tokenizer = HfTokenizer.load(model, chat ? PromptFormat.CHAT : PromptFormat.RAW, null)) {
            if (adapter != null) {
                llama.attach(LoraAdapters.load(adapter, llama));
            }
            LlamaGenerator generator = new LlamaGenerator(llama, tokenizer);
            int[] promptIds = generator.promptIds(prompt);
            Generation out = generator
                    .generateIds(List.of(promptIds), sampling, new Random(seed))
                    .get(0);
            PrintWriter writer = spec.commandLine().getOut();
            writer.println(JSON.writeValueAsString(json(promptIds, out)));
            writer.flush();
        }
        return 0;
    }

    static ObjectNode json(int[] promptIds, Generation out) {
        ObjectNode node = JSON.createObjectNode();
        ArrayNode p = node.putArray("prompt_ids");
        for (int id : promptIds) {
            p.add(id);
        }
        ArrayNode g = node.putArray("generated_ids");
        for (int id : out.tokens()) {
            g.add(id);
        }
        ArrayNode lp = node.putArray("logprobs");
        for (float v : out.tokenLogprobs()) {
            lp.add(v);
        }
        node.put("text", out.text());
        node.put("ended", out.ended());
        return node;
    }
}
