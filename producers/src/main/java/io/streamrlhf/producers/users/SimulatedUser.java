package io.streamrlhf.producers.users;

import io.streamrlhf.avro.FeedbackKind;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;

/**
 * One simulated user: tastes, label noise and how often they bother to rate. Decisions take the caller's
 * {@link Random}, so a seeded run is reproducible.
 *
 * @param userId pseudonymous id, as written on feedback events
 * @param tastes per-task tastes
 * @param flipProbability probability that a verdict is flipped (label noise)
 * @param thumbsRate probability of rating a response at all
 * @param preferenceRate probability of comparing a response with an earlier one to the same prompt
 */
public record SimulatedUser(
        String userId, UserTastes tastes, double flipProbability, double thumbsRate, double preferenceRate) {

    /** Which of two compared responses a user chose. */
    public enum Choice {
        FIRST,
        SECOND
    }

    /** Validates every field; fails fast naming the bad value and the fix. */
    public SimulatedUser {
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(tastes, "tastes");
        for (double p : new double[] {flipProbability, thumbsRate, preferenceRate}) {
            if (!(p >= 0 && p <= 1)) {
                throw new IllegalArgumentException("probabilities must be in [0, 1], got " + p + " for " + userId);
            }
        }
    }

    /**
     * Thumbs up when the taste approves, down when not, flipped with the noise probability; empty when the user
     * does not rate this one (drawn with {@link #thumbsRate()}).
     */
    public Optional<FeedbackKind> rate(String task, String prompt, String completion, Random random) {
        if (random.nextDouble() >= thumbsRate) {
            return Optional.empty();
        }
        boolean approved = tastes.judge(task, prompt, completion).approved();
        boolean flipped = random.nextDouble() < flipProbability;
        return Optional.of(approved != flipped ? FeedbackKind.THUMBS_UP : FeedbackKind.THUMBS_DOWN);
    }

    /**
     * The preferred of two completions to one prompt: the higher taste score, flipped with the noise probability;
     * empty when the user does not compare (drawn with {@link #preferenceRate()}) or sees no difference.
     */
    public Optional<Choice> compare(String task, String prompt, String first, String second, Random random) {
        if (random.nextDouble() >= preferenceRate) {
            return Optional.empty();
        }
        double a = tastes.judge(task, prompt, first).score();
        double b = tastes.judge(task, prompt, second).score();
        boolean flipped = random.nextDouble() < flipProbability;
        if (a == b) {
            return Optional.empty();
        }
        return Optional.of((a > b) != flipped ? Choice.FIRST : Choice.SECOND);
    }
}
