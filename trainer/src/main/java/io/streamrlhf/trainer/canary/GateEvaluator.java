package io.streamrlhf.trainer.canary;

import io.streamrlhf.avro.GateEvaluation;
import io.streamrlhf.avro.GateJudgeResult;
import io.streamrlhf.trainer.generate.Generation;
import io.streamrlhf.trainer.generate.Generator;
import io.streamrlhf.trainer.generate.LlamaGenerator;
import io.streamrlhf.trainer.generate.SamplingConfig;
import io.streamrlhf.trainer.model.PolicyModel;
import io.streamrlhf.trainer.model.TrainableModel;
import io.streamrlhf.trainer.model.llama.LlamaPolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;

/**
 * The trainer's half of the pre-canary gate: generates greedily (fixed token limit, so the result depends only on
 * the weights) for a fixed held-out prompt set and counts, per judge, the prompts whose completion passed. The
 * trainer records this version's and its parent's counts in the version record; the canary controller compares
 * them with {@code canary.gate.margin}.
 */
public final class GateEvaluator {

    private final List<GatePrompt> prompts;
    private final int maxTokens;
    private final GateJudges judges;
    private final String promptSet;

    /**
     * @param prompts the held-out prompts
     * @param maxTokens token limit of each greedy generation
     * @param judges the judges
     * @param promptSet which set, as recorded ({@code builtin} or the file)
     */
    public GateEvaluator(List<GatePrompt> prompts, int maxTokens, GateJudges judges, String promptSet) {
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException("the gate needs at least one held-out prompt");
        }
        if (maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be positive, was " + maxTokens);
        }
        this.prompts = List.copyOf(prompts);
        this.maxTokens = maxTokens;
        this.judges = Objects.requireNonNull(judges, "judges");
        this.promptSet = promptSet;
    }

    /** Whether the gate can generate with {@code model}: the built-in model or a Hugging Face Llama-family one. */
    public static boolean supports(TrainableModel model) {
        return model instanceof PolicyModel || model instanceof LlamaPolicy;
    }

    /** Per judge id, the prompts whose greedy completion by {@code model} passed. */
    public Map<String, Integer> passes(TrainableModel model) {
        List<String> texts = new ArrayList<>(prompts.size());
        prompts.forEach(p -> texts.add(p.prompt()));
        // Greedy: the random source is never drawn from, so the counts depend only on the weights.
        SamplingConfig greedy = SamplingConfig.greedy(maxTokens);
        List<Generation> out;
        if (model instanceof PolicyModel policy) {
            out = new Generator(policy).generate(texts, greedy, new Random(0));
        } else if (model instanceof LlamaPolicy llama) {
            out = new LlamaGenerator(llama.model(), llama.tokenizer()).generate(texts, greedy, new Random(0));
        } else {
            throw new IllegalArgumentException("the gate generates with the built-in or a Llama-family model, not "
                    + model.getClass().getSimpleName());
        }
        Map<String, Integer> passed = new TreeMap<>();
        List<Map<String, Boolean>> verdicts = new ArrayList<>(prompts.size());
        for (int i = 0; i < prompts.size(); i++) {
            Generation g = out.get(i);
            Map<String, Boolean> v = judges.judge(prompts.get(i), g.text(), !g.ended());
            verdicts.add(v);
            v.keySet().forEach(id -> passed.putIfAbsent(id, 0));
        }
        for (Map<String, Boolean> v : verdicts) {
            // A judge that does not apply to a prompt counts it as passed, the same for both versions.
            passed.replaceAll((id, n) -> n + (v.getOrDefault(id, true) ? 1 : 0));
        }
        return passed;
    }

    /**
     * Per judge id, the passes of {@code model} holding {@code weights} (trainable parameters by name, such as a
     * parent version's adapters) instead of its own, which are written back afterwards, also on failure: one loaded
     * model measures another version without a second copy of the base weights.
     */
    public Map<String, Integer> passesWith(TrainableModel model, Map<String, float[]> weights) {
        Map<String, float[]> own = model.exportWeights();
        try {
            model.loadWeights(weights);
            return passes(model);
        } finally {
            model.loadWeights(own);
        }
    }

    /** The record of both versions' counts; judges only one side reported count every prompt as passed there. */
    public GateEvaluation evaluation(long parentVersion, Map<String, Integer> mine, Map<String, Integer> parent) {
        Map<String, Integer> all = new TreeMap<>(mine);
        parent.keySet().forEach(id -> all.putIfAbsent(id, prompts.size()));
        List<GateJudgeResult> results = new ArrayList<>();
        all.keySet()
                .forEach(id -> results.add(GateJudgeResult.newBuilder()
                        .setJudge(id)
                        .setPassed(mine.getOrDefault(id, prompts.size()))
                        .setParentPassed(parent.getOrDefault(id, prompts.size()))
                        .build()));
        return GateEvaluation.newBuilder()
                .setParentVersion(parentVersion)
                .setPrompts(prompts.size())
                .setMaxTokens(maxTokens)
                .setPromptSet(promptSet)
                .setJudges(results)
                .build();
    }
}
