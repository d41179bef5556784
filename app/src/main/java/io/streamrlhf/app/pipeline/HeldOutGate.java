package io.streamrlhf.app.pipeline;

import io.streamrlhf.avro.JudgeScore;
import io.streamrlhf.producers.tasks.ArithmeticTask;
import io.streamrlhf.producers.tasks.TaskGenerator;
import io.streamrlhf.producers.tasks.TaskPrompt;
import io.streamrlhf.streams.config.JudgeConfig;
import io.streamrlhf.streams.judge.JudgeInput;
import io.streamrlhf.streams.judge.JudgeMixture;
import io.streamrlhf.trainer.canary.GateEvaluator;
import io.streamrlhf.trainer.canary.GateJudges;
import io.streamrlhf.trainer.canary.GatePrompt;
import io.streamrlhf.trainer.canary.GatePrompts;
import io.streamrlhf.trainer.config.GateConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Builds the trainer's pre-canary gate. It lives here, where the modules meet: the trainer generates, the
 * streams module's rule-based judges (configured by the same {@code judge.*} settings as the streams application)
 * judge, and the producers module's synthetic tasks give the demo's built-in held-out prompts.
 */
public final class HeldOutGate {

    /** Size of the built-in held-out set. */
    public static final int BUILTIN_PROMPTS = 32;

    /** Seed of the built-in set: apart from the simulated users' and the sampler's, so the set is held out. */
    private static final long BUILTIN_SEED = 0x6a7e5eedL;

    private HeldOutGate() {}

    /** The gate of {@code config}, judged by the judges {@code props} configure. */
    public static GateEvaluator create(GateConfig config, Map<String, String> props) {
        List<GatePrompt> prompts;
        String name;
        try {
            prompts = config.prompts().isPresent()
                    ? GatePrompts.read(config.prompts().get())
                    : builtinPrompts();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        name = config.prompts().map(Object::toString).orElse("builtin");
        return new GateEvaluator(prompts, config.maxTokens(), judges(JudgeConfig.fromProperties(props)), name);
    }

    /** The demo's held-out prompts: arithmetic and chat in the demo's proportions, from a fixed seed. */
    public static List<GatePrompt> builtinPrompts() {
        TaskGenerator tasks = new TaskGenerator(0.5, ArithmeticTask.DEFAULT_MAX_OPERAND);
        Random random = new Random(BUILTIN_SEED);
        List<GatePrompt> out = new ArrayList<>(BUILTIN_PROMPTS);
        for (int i = 0; i < BUILTIN_PROMPTS; i++) {
            TaskPrompt p = tasks.next(random);
            out.add(new GatePrompt(p.text(), p.task().id(), p.referenceAnswer()));
        }
        return out;
    }

    /** The streams module's judge mixture as the gate's judges. */
    public static GateJudges judges(JudgeConfig config) {
        JudgeMixture mixture = JudgeMixture.fromConfig(config);
        return (prompt, completion, truncated) -> {
            Map<String, Boolean> out = new LinkedHashMap<>();
            for (JudgeScore s : mixture.judge(new JudgeInput(
                            prompt.prompt(), completion, prompt.task(), prompt.referenceAnswer(), truncated))
                    .scores()) {
                out.put(s.getJudgeId(), s.getPassed());
            }
            return out;
        };
    }
}
