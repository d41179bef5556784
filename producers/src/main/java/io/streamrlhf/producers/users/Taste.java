package io.streamrlhf.producers.users;

/** A rule-based preference over completions of one task: a pure, deterministic function. */
@FunctionalInterface
public interface Taste {

    /** Judges {@code completion} as an answer to {@code prompt}. */
    Verdict judge(String prompt, String completion);
}
