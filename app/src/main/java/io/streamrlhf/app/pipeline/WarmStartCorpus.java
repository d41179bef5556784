package io.streamrlhf.app.pipeline;

import io.streamrlhf.app.config.AppKeys;
import io.streamrlhf.producers.config.ProducerKeys;
import io.streamrlhf.producers.tasks.ArithmeticTask;
import io.streamrlhf.producers.tasks.ChatTask;
import io.streamrlhf.producers.tasks.TaskGenerator;
import io.streamrlhf.producers.tasks.TaskKind;
import io.streamrlhf.producers.tasks.TaskPrompt;
import io.streamrlhf.trainer.batch.SequenceCollator.Sample;
import io.streamrlhf.trainer.config.TrainerKeys;
import io.streamrlhf.trainer.sft.PromptCompletionCorpus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The demo's warm-start corpus: prompts of the simulated users' own tasks, answered well for a share
 * {@code warmstart.good.share} (default 0.5) of lines and badly otherwise (a wrong sum or format, a rude or
 * over-long reply). Version 0 therefore answers in the right shape but is only sometimes liked, which leaves
 * the online loop something real to learn from the users. Written once to {@code data.dir/warmstart.tsv}
 * and reused, so every later start of the stack warm-starts (if it has to) from the same data.
 */
public final class WarmStartCorpus {

    private WarmStartCorpus() {}

    /** Writes the corpus named by {@code trainer.warmstart.corpus} if it does not exist yet. */
    public static void ensure(Map<String, String> props) {
        if (TrainerKeys.WARMSTART_CORPUS.find(props).isEmpty()) {
            // A model the user names starts from its own weights: no corpus to write.
            return;
        }
        Path file = Path.of(TrainerKeys.WARMSTART_CORPUS.get(props));
        if (Files.exists(file)) {
            return;
        }
        int lines = AppKeys.WARMSTART_CORPUS_LINES.get(props);
        double goodShare = AppKeys.WARMSTART_GOOD_SHARE.get(props);
        double arithmeticShare = ProducerKeys.PROMPTS_ARITHMETIC_SHARE.get(props);
        int maxOperand = ProducerKeys.PROMPTS_MAX_OPERAND.get(props);
        long seed = AppKeys.WARMSTART_SEED.get(props);
        List<String> out = new ArrayList<>(lines + 1);
        out.add("# warm-start corpus: " + lines + " lines, good share " + goodShare + ", seed " + seed);
        for (Sample sample :
                samples(lines, goodShare, new TaskGenerator(arithmeticShare, maxOperand), new Random(seed))) {
            out.add(PromptCompletionCorpus.toTsv(sample));
        }
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path temp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.write(temp, out, StandardCharsets.UTF_8);
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write the warm-start corpus " + file, e);
        }
    }

    /** {@code n} prompt/completion samples, a share {@code goodShare} of them answered well. */
    public static List<Sample> samples(int n, double goodShare, TaskGenerator tasks, Random random) {
        List<Sample> samples = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            TaskPrompt prompt = tasks.next(random);
            boolean good = random.nextDouble() < goodShare;
            String completion = prompt.task() == TaskKind.ARITHMETIC
                    ? (good
                            ? ArithmeticTask.referenceCompletion(prompt.text())
                            : ArithmeticTask.wrongCompletion(prompt.text(), random))
                    : (good
                            ? ChatTask.goodCompletion(prompt.text(), random)
                            : ChatTask.badCompletion(prompt.text(), random));
            samples.add(new Sample(prompt.text(), completion));
        }
        return samples;
    }
}
