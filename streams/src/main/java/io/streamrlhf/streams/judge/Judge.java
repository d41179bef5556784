package io.streamrlhf.streams.judge;

import io.streamrlhf.avro.JudgeScore;

/** A rule-based judge: says pass or fail and gives a score in [0, 1] (higher is better). */
public interface Judge {

    /** Stable id, carried in verdicts and pairs. */
    String id();

    /** Whether this judge has anything to say about {@code input} (for example, it has a reference answer). */
    default boolean appliesTo(JudgeInput input) {
        return true;
    }

    /** The verdict on {@code input}. */
    JudgeScore judge(JudgeInput input);

    /** A passing score. */
    static JudgeScore pass(String id, double score) {
        return new JudgeScore(id, true, score, null);
    }

    /** A failing score with its reason. */
    static JudgeScore fail(String id, double score, String reason) {
        return new JudgeScore(id, false, score, reason);
    }
}
