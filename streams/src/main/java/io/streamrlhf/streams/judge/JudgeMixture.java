package io.streamrlhf.streams.judge;

import io.streamrlhf.avro.JudgeScore;
import io.streamrlhf.streams.config.JudgeConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * A mixture of judges (CGPO): every judge that applies gives its verdict; the completion passes when all of them
 * pass, and its score is the mean of their scores.
 */
public final class JudgeMixture {

    /**
     * The mixture's verdict on one completion.
     *
     * @param passedAll whether every applicable judge passed it
     * @param score the mean score of the applicable judges (1 when none applies)
     * @param scores each applicable judge's verdict, in the mixture's order
     */
    public record Verdict(boolean passedAll, double score, List<JudgeScore> scores) {}

    private final List<Judge> judges;

    public JudgeMixture(List<Judge> judges) {
        this.judges = List.copyOf(judges);
    }

    /**
     * The configured rule-based judges: format, length bounds, banned phrases and (optionally) exact answer and
     * end token.
     */
    public static JudgeMixture fromConfig(JudgeConfig config) {
        List<Judge> judges = new ArrayList<>();
        judges.add(new FormatJudge(config.formatByTask()));
        judges.add(new LengthBoundsJudge(config.minLength(), config.maxLength()));
        judges.add(new BannedPhrasesJudge(config.bannedPhrases()));
        if (config.exactAnswer()) {
            judges.add(new ExactAnswerJudge());
        }
        if (config.requireEndToken()) {
            judges.add(new EndTokenJudge());
        }
        return new JudgeMixture(judges);
    }

    /** Judges {@code input} with every applicable judge. */
    public Verdict judge(JudgeInput input) {
        List<JudgeScore> scores = new ArrayList<>();
        for (Judge judge : judges) {
            if (judge.appliesTo(input)) {
                scores.add(judge.judge(input));
            }
        }
        boolean passed = scores.stream().allMatch(JudgeScore::getPassed);
        double score = scores.isEmpty()
                ? 1.0
                : scores.stream().mapToDouble(JudgeScore::getScore).average().orElse(1.0);
        return new Verdict(passed, score, List.copyOf(scores));
    }
}
