package io.streamrlhf.app.experiment;

import io.streamrlhf.producers.tasks.TaskGenerator;
import io.streamrlhf.producers.tasks.TaskPrompt;
import io.streamrlhf.producers.users.UserPanel;
import io.streamrlhf.trainer.model.PolicyModel;
import io.streamrlhf.trainer.model.SamplingConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

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

    public HeldOutEvaluation(TaskGenerator tasks, int promptCount, long seed, UserPanel panel, SamplingConfig sampling) {
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

    /** Mean panel approval of one fresh rollout per held-out prompt. */
    public double thumbsUpRate(PolicyModel policy) {
        List<String> completions = policy.generate(prompts.stream().map(TaskPrompt::text).toList(), sampling,
                new Random(seed));
        double total = 0;
        for (int i = 0; i < prompts.size(); i++) {
            TaskPrompt p = prompts.get(i);
            total += panel.rate(p.task().id(), p.text(), completions.get(i));
        }
        return total / prompts.size();
    }
}
