package io.streamrlhf.producers.users;

import io.streamrlhf.producers.config.PopulationConfig;
import java.util.List;

/**
 * Held-out simulated users for evaluation: a pure function from (prompt, completion) to the fraction of the
 * panel that would give a thumbs up, with no noise and no sampling. The panel is drawn with a seed different
 * from the feedback population's, so a policy is scored by users it never learned from directly.
 *
 * <pre>{@code
 * UserPanel panel = UserPanel.heldOut(PopulationConfig.defaults(), 25);
 * double thumbsUpRate = rollouts.stream().mapToDouble(r -> panel.rate(r.prompt(), r.completion())).average()...
 * }</pre>
 */
public final class UserPanel {

    /** Mixed into the population seed so the panel never coincides with the feedback population. */
    private static final long HELD_OUT_SALT = 0x5DEECE66DL;

    private final List<UserTastes> tastes;

    /** A panel of the given members' tastes (at least one). */
    public UserPanel(List<UserTastes> tastes) {
        if (tastes.isEmpty()) {
            throw new IllegalArgumentException("a panel needs at least one member");
        }
        this.tastes = List.copyOf(tastes);
    }

    /** {@code size} users drawn like {@code config}'s population but with a held-out seed. */
    public static UserPanel heldOut(PopulationConfig config, int size) {
        PopulationConfig sized = new PopulationConfig(
                size,
                config.flipProbability(),
                config.thumbsRate(),
                config.preferenceRate(),
                config.rateSpread(),
                config.chatMinChars(),
                config.chatMaxChars(),
                config.chatLengthJitter(),
                config.seed() ^ HELD_OUT_SALT);
        return new UserPanel(UserPopulation.draw(sized, sized.seed(), "panel-").users().stream()
                .map(SimulatedUser::tastes)
                .toList());
    }

    /** Fraction of the panel approving {@code completion}; the task is recognized from the prompt text. */
    public double rate(String prompt, String completion) {
        return rate(null, prompt, completion);
    }

    /** Fraction of the panel approving {@code completion} for {@code task} ({@code null}: from the prompt). */
    public double rate(String task, String prompt, String completion) {
        long approving = tastes.stream()
                .filter(t -> t.judge(task, prompt, completion).approved())
                .count();
        return (double) approving / tastes.size();
    }

    /** Whether most of the panel approves. */
    public boolean approves(String prompt, String completion) {
        return rate(prompt, completion) > 0.5;
    }

    /** Panel size. */
    public int size() {
        return tastes.size();
    }
}
