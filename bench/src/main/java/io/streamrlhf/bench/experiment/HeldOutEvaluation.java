package io.streamrlhf.bench.experiment;

import io.streamrlhf.producers.tasks.TaskGenerator;
import io.streamrlhf.producers.tasks.TaskPrompt;
import io.streamrlhf.producers.users.UserPanel;
import io.streamrlhf.trainer.generate.Generation;
import io.streamrlhf.trainer.generate.Generator;
import io.streamrlhf.trainer.generate.SamplingConfig;
import io.streamrlhf.trainer.model.PolicyModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * Scores a policy the way the experiment reports it: fresh rollouts on a fixed set of held-out prompts,
 * sampled with the sampler's settings, rated by a panel of users drawn apart from the ones who gave feedback.
 * The score is the mean share of the panel that would give a thumbs up.
 */
public final class HeldOutEvaluation {

    private final List<TaskPrompt> prompts;
    private final UserPanel panel;
    private final SamplingConfig sampling;
    private final long seed;

    public HeldOutEvaluation(
            TaskGenerator tasks, int promptCount, long seed, UserPanel panel, SamplingConfig sampling) {
        Random random = new Random(seed);
        List<TaskPrompt> drawn = new ArrayList<>(promptCount);
        for (int i = 0; i < promptCount; i++) {
            drawn.add(tasks.next(random));
        }
        this.prompts = List.copyOf(drawn);
        this.panel = panel;
        this.sampling = sampling;
        this.seed = seed;
    }

    /**
     * What the held-out panel thinks of a version, and the shape of its rollouts.
     *
     * @param thumbsUpRate mean panel approval of one fresh rollout per held-out prompt
     * @param meanTokens mean completion length in tokens
     * @param endedShare share of rollouts that ended with the end token (the rest ran to the token limit)
     * @param rateByTask the thumbs-up rate per task id, in task order
     * @param endedMeanTokens mean length in tokens of the rollouts that ended (NaN if none did): the mean over all
     *     rollouts also moves when cut-off ones (each as long as the token limit) appear or go
     */
    public record Score(
            double thumbsUpRate,
            double meanTokens,
            double endedShare,
            Map<String, Double> rateByTask,
            double endedMeanTokens) {}

    /** A policy's sampler: one completion per prompt, in order. */
    @FunctionalInterface
    public interface Rollouts {
        List<Generation> generate(List<String> prompts, SamplingConfig sampling, Random random);
    }

    /** Scores one fresh rollout per held-out prompt of the byte-level {@code policy}. */
    public Score score(PolicyModel policy) {
        return score(new Generator(policy)::generate);
    }

    /** Scores one fresh rollout per held-out prompt (same sampling seed for every version). */
    public Score score(Rollouts policy) {
        List<Generation> rollouts =
                policy.generate(prompts.stream().map(TaskPrompt::text).toList(), sampling, new Random(seed));
        double total = 0;
        long tokens = 0;
        int ended = 0;
        long endedTokens = 0;
        Map<String, double[]> byTask = new TreeMap<>();
        for (int i = 0; i < prompts.size(); i++) {
            TaskPrompt p = prompts.get(i);
            Generation g = rollouts.get(i);
            double rate = panel.rate(p.task().id(), p.text(), g.text());
            total += rate;
            double[] sum = byTask.computeIfAbsent(p.task().id(), k -> new double[2]);
            sum[0] += rate;
            sum[1]++;
            tokens += g.tokens().length;
            // A rollout that stopped at the end token carries that token's log-prob too.
            if (g.tokenLogprobs().length > g.tokens().length) {
                ended++;
                endedTokens += g.tokens().length;
            }
        }
        int n = prompts.size();
        Map<String, Double> rateByTask = new LinkedHashMap<>();
        byTask.forEach((task, sum) -> rateByTask.put(task, sum[0] / sum[1]));
        return new Score(
                total / n,
                (double) tokens / n,
                (double) ended / n,
                rateByTask,
                ended == 0 ? Double.NaN : (double) endedTokens / ended);
    }
}
