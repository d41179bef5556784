package io.streamrlhf.producers.users;

import io.streamrlhf.producers.config.PopulationConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** A fixed population of simulated users, drawn reproducibly from a {@link PopulationConfig}. */
public final class UserPopulation {

    private final List<SimulatedUser> users;

    /** A population of exactly {@code users} (at least one). */
    public UserPopulation(List<SimulatedUser> users) {
        if (users.isEmpty()) {
            throw new IllegalArgumentException("a population needs at least one user");
        }
        this.users = List.copyOf(users);
    }

    /** Draws {@code config.count()} users named {@code sim-user-<i>} with the config's seed. */
    public static UserPopulation draw(PopulationConfig config) {
        return draw(config, config.seed(), "sim-user-");
    }

    static UserPopulation draw(PopulationConfig config, long seed, String idPrefix) {
        Random random = new Random(seed);
        List<SimulatedUser> users = new ArrayList<>(config.count());
        for (int i = 0; i < config.count(); i++) {
            int jitter = config.chatLengthJitter();
            int maxChars = config.chatMaxChars() + (jitter == 0 ? 0 : random.nextInt(2 * jitter + 1) - jitter);
            UserTastes tastes = new UserTastes(new ArithmeticTaste(), new ChatTaste(config.chatMinChars(), maxChars));
            users.add(new SimulatedUser(
                    idPrefix + i,
                    tastes,
                    config.flipProbability(),
                    spread(config.thumbsRate(), config.rateSpread(), random),
                    spread(config.preferenceRate(), config.rateSpread(), random)));
        }
        return new UserPopulation(users);
    }

    /** The users, in id order. */
    public List<SimulatedUser> users() {
        return users;
    }

    /** The user with id {@code userId}, or a uniformly drawn one when no user has it. */
    public SimulatedUser pick(String userId, Random random) {
        if (userId != null) {
            for (SimulatedUser u : users) {
                if (u.userId().equals(userId)) {
                    return u;
                }
            }
        }
        return users.get(random.nextInt(users.size()));
    }

    private static double spread(double rate, double spread, Random random) {
        double factor = 1 + spread * (2 * random.nextDouble() - 1);
        return Math.min(1, Math.max(0, rate * factor));
    }
}
