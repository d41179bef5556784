package io.streamrlhf.producers.users;

/**
 * A taste's judgement of one completion.
 *
 * @param score fraction of the taste's criteria the completion meets, in [0, 1]
 * @param approved whether the user would give it a thumbs up (before noise)
 * @param reason the first failed criterion, or {@code "ok"}
 */
public record Verdict(double score, boolean approved, String reason) {
    /** Validates every field; fails fast naming the bad value and the fix. */
    public Verdict {
        if (!(score >= 0 && score <= 1)) {
            throw new IllegalArgumentException("score must be in [0, 1], was " + score);
        }
    }
}
