package io.streamrlhf.streams.judge;

import io.streamrlhf.avro.JudgeScore;
import java.util.Locale;

/**
 * For prompts with a reference answer, passes a completion whose answer equals it after normalisation (lower case,
 * collapsed white space, trailing punctuation dropped). The answer is the text after the last {@code answer:} when
 * present, else the whole completion or, failing that, its last word. Score 1 or 0.
 */
public final class ExactAnswerJudge implements Judge {

    /** This judge's id. */
    public static final String ID = "exact-answer";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public boolean appliesTo(JudgeInput input) {
        return input.referenceAnswer() != null && !input.referenceAnswer().isBlank();
    }

    @Override
    public JudgeScore judge(JudgeInput input) {
        String expected = normalize(input.referenceAnswer());
        String text = normalize(input.completion());
        int marker = text.lastIndexOf("answer:");
        String answer = marker >= 0 ? normalize(text.substring(marker + "answer:".length())) : text;
        if (answer.equals(expected)) {
            return Judge.pass(ID, 1.0);
        }
        if (marker < 0) {
            String[] words = text.split(" ");
            if (normalize(words[words.length - 1]).equals(expected)) {
                return Judge.pass(ID, 1.0);
            }
        }
        return Judge.fail(ID, 0.0, "answer is not " + input.referenceAnswer());
    }

    static String normalize(String s) {
        String t = s.toLowerCase(Locale.ROOT).strip().replaceAll("\\s+", " ");
        while (!t.isEmpty() && ".,;:!?".indexOf(t.charAt(t.length() - 1)) >= 0) {
            t = t.substring(0, t.length() - 1).strip();
        }
        return t;
    }
}
