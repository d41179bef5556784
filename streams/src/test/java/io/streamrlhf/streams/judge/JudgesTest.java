package io.streamrlhf.streams.judge;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.avro.JudgeScore;
import io.streamrlhf.streams.config.JudgeConfig;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class JudgesTest {

    private static JudgeInput input(String completion) {
        return new JudgeInput("q", completion, null, null);
    }

    @Test
    void lengthBoundsPassesWithinAndScoresTheMissRatioOutside() {
        LengthBoundsJudge judge = new LengthBoundsJudge(4, 10);
        assertThat(judge.judge(input("12345")).getPassed()).isTrue();
        JudgeScore shortOne = judge.judge(input("12"));
        assertThat(shortOne.getPassed()).isFalse();
        assertThat(shortOne.getScore()).isEqualTo(0.5);
        JudgeScore longOne = judge.judge(input("x".repeat(20)));
        assertThat(longOne.getPassed()).isFalse();
        assertThat(longOne.getScore()).isEqualTo(0.5);
    }

    @Test
    void bannedPhrasesFailsCaseInsensitivelyAndScoresByHits() {
        BannedPhrasesJudge judge = new BannedPhrasesJudge(List.of("As an AI", "sorry"));
        assertThat(judge.judge(input("fine")).getScore()).isEqualTo(1.0);
        JudgeScore two = judge.judge(input("Sorry, as an ai I cannot"));
        assertThat(two.getPassed()).isFalse();
        assertThat(two.getScore()).isEqualTo(1.0 / 3);
        assertThat(two.getReason()).contains("sorry");
    }

    @Test
    void formatAppliesOnlyToConfiguredTasksAndMatchesTheWholeCompletion() {
        FormatJudge judge = new FormatJudge(Map.of("json", Pattern.compile("\\{.*}", Pattern.DOTALL)));
        assertThat(judge.appliesTo(new JudgeInput("q", "x", "chat", null))).isFalse();
        assertThat(judge.judge(new JudgeInput("q", " {\"a\": 1} ", "json", null))
                        .getPassed())
                .isTrue();
        assertThat(judge.judge(new JudgeInput("q", "here: {\"a\": 1}", "json", null))
                        .getPassed())
                .isFalse();
    }

    @Test
    void exactAnswerComparesNormalisedAnswers() {
        ExactAnswerJudge judge = new ExactAnswerJudge();
        assertThat(judge.appliesTo(new JudgeInput("q", "4", null, null))).isFalse();
        assertThat(judge.judge(new JudgeInput("q", "  Paris. ", null, "paris")).getPassed())
                .isTrue();
        assertThat(judge.judge(new JudgeInput("q", "I think the answer: 42!", null, "42"))
                        .getPassed())
                .isTrue();
        assertThat(judge.judge(new JudgeInput("q", "2 + 2 = 4", null, "4")).getPassed())
                .isTrue();
        assertThat(judge.judge(new JudgeInput("q", "answer: 5, not 4", null, "4"))
                        .getPassed())
                .isFalse();
        assertThat(judge.judge(new JudgeInput("q", "five", null, "4")).getScore())
                .isEqualTo(0.0);
    }

    @Test
    void mixturePassesOnlyWhenEveryApplicableJudgePassesAndAveragesScores() {
        JudgeMixture mixture = JudgeMixture.fromConfig(new JudgeConfig(1, 10, List.of("bad"), Map.of(), true, true));
        JudgeMixture.Verdict ok = mixture.judge(new JudgeInput("q", "4", "math", "4"));
        assertThat(ok.passedAll()).isTrue();
        assertThat(ok.score()).isEqualTo(1.0);
        assertThat(ok.scores())
                .extracting(JudgeScore::getJudgeId)
                .containsExactly(LengthBoundsJudge.ID, BannedPhrasesJudge.ID, ExactAnswerJudge.ID, EndTokenJudge.ID);

        JudgeMixture.Verdict wrong = mixture.judge(new JudgeInput("q", "bad 5", "math", "4"));
        assertThat(wrong.passedAll()).isFalse();
        assertThat(wrong.score()).isEqualTo((1.0 + 0.5 + 0.0 + 1.0) / 4);
    }

    @Test
    void endTokenJudgeFailsACompletionCutOffAtTheTokenLimit() {
        EndTokenJudge judge = new EndTokenJudge();
        assertThat(judge.judge(new JudgeInput("q", "4", null, "4", false)).getPassed())
                .isTrue();
        JudgeScore cut = judge.judge(new JudgeInput("q", "4 and then on and on", null, "4", true));
        assertThat(cut.getPassed()).isFalse();
        assertThat(cut.getScore()).isEqualTo(0.0);
        assertThat(cut.getReason()).contains("token limit");
        // Off by configuration: the mixture no longer has it.
        JudgeMixture without = JudgeMixture.fromConfig(new JudgeConfig(1, 10, List.of(), Map.of(), false, false));
        assertThat(without.judge(new JudgeInput("q", "ok", null, null, true)).passedAll())
                .isTrue();
    }
}
