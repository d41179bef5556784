package io.streamrlhf.streams.judge;

import io.streamrlhf.avro.JudgeScore;
import java.util.List;
import java.util.Locale;

/** Fails completions that contain any banned phrase (case-insensitive). Score {@code 1/(1+hits)}. */
public final class BannedPhrasesJudge implements Judge {

    /** This judge's id. */
    public static final String ID = "banned-phrases";

    private final List<String> phrases;

    public BannedPhrasesJudge(List<String> phrases) {
        this.phrases = phrases.stream()
                .map(p -> p.toLowerCase(Locale.ROOT))
                .filter(p -> !p.isBlank())
                .toList();
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public JudgeScore judge(JudgeInput input) {
        String text = input.completion().toLowerCase(Locale.ROOT);
        List<String> hits = phrases.stream().filter(text::contains).toList();
        return hits.isEmpty() ? Judge.pass(ID, 1.0) : Judge.fail(ID, 1.0 / (1 + hits.size()), "contains " + hits);
    }
}
