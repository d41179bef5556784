package io.streamrlhf.bench.experiment;

import io.streamrlhf.producers.tasks.TaskGenerator;
import io.streamrlhf.producers.tasks.TaskPrompt;
import io.streamrlhf.producers.users.SimulatedUser;
import io.streamrlhf.producers.users.UserPopulation;
import io.streamrlhf.trainer.batch.PairExample;
import io.streamrlhf.trainer.batch.SourceBatch;
import io.streamrlhf.trainer.checkpoint.Checkpoint;
import io.streamrlhf.trainer.config.OptimizerConfig;
import io.streamrlhf.trainer.config.SourceConfig;
import io.streamrlhf.trainer.generate.Generation;
import io.streamrlhf.trainer.generate.Generator;
import io.streamrlhf.trainer.generate.SamplingConfig;
import io.streamrlhf.trainer.loop.PreferenceTrainer;
import io.streamrlhf.trainer.model.PolicyModel;
import io.streamrlhf.trainer.model.ReferenceModel;
import io.streamrlhf.trainer.optim.AdamW;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * Offline DPO on the same feedback budget: a fixed dataset of pairs sampled once from version 0 and labeled by
 * the same feedback population, trained for one pass with the online run's loss, batch size and optimizer.
 * The difference from online DPO is exactly that its pairs never come from the policy being trained.
 */
public final class OfflineDpoBaseline {

    private OfflineDpoBaseline() {}

    /** The fixed dataset: {@code pairs} A/B choices between two v0 rollouts of one prompt. */
    public static List<PairExample> dataset(
            PolicyModel v0, int pairs, TaskGenerator tasks, UserPopulation users, SamplingConfig sampling, long seed) {
        Random random = new Random(seed);
        List<PairExample> out = new ArrayList<>(pairs);
        int attempts = 0;
        while (out.size() < pairs && attempts++ < pairs * 20) {
            List<TaskPrompt> prompts = new ArrayList<>();
            List<String> texts = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                TaskPrompt p = tasks.next(random);
                prompts.add(p);
                texts.add(p.text());
                texts.add(p.text());
            }
            List<Generation> completions = new Generator(v0).generate(texts, sampling, random);
            for (int i = 0; i < prompts.size() && out.size() < pairs; i++) {
                TaskPrompt p = prompts.get(i);
                Generation a = completions.get(2 * i);
                Generation b = completions.get(2 * i + 1);
                String first = a.text();
                String second = b.text();
                SimulatedUser user =
                        users.users().get(random.nextInt(users.users().size()));
                // The whole population compares (rate 1) so the dataset reaches its size; noise stays as drawn.
                SimulatedUser comparing =
                        new SimulatedUser(user.userId(), user.tastes(), user.flipProbability(), user.thumbsRate(), 1.0);
                Optional<SimulatedUser.Choice> choice =
                        comparing.compare(p.task().id(), p.text(), first, second, random);
                choice.ifPresent(c -> out.add(
                        c == SimulatedUser.Choice.FIRST
                                ? new PairExample(
                                        "offline-" + out.size(), p.text(), first, second, 1.0, !a.ended(), !b.ended())
                                : new PairExample(
                                        "offline-" + out.size(),
                                        p.text(),
                                        second,
                                        first,
                                        1.0,
                                        !b.ended(),
                                        !a.ended())));
            }
        }
        return out;
    }

    /** Trains version 0 on {@code dataset} for one pass and returns the result (the caller closes it). */
    public static PolicyModel train(
            Checkpoint v0,
            List<PairExample> dataset,
            SourceConfig dpo,
            OptimizerConfig optimizerConfig,
            int referenceCacheEntries) {
        PolicyModel policy = v0.toPolicyModel();
        try (ReferenceModel reference = new ReferenceModel(policy.frozenCopy(), referenceCacheEntries);
                AdamW optimizer = new AdamW(optimizerConfig, policy.parameters())) {
            PreferenceTrainer trainer = new PreferenceTrainer(policy, reference, optimizer);
            for (int from = 0; from < dataset.size(); from += dpo.batchSize()) {
                List<PairExample> batch = dataset.subList(from, Math.min(dataset.size(), from + dpo.batchSize()));
                trainer.step(List.of(new SourceBatch.Pairs("dpo", dpo.loss(), dpo.weight(), batch)));
            }
        }
        return policy;
    }
}
