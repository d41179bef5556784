package io.streamrlhf.producers.config;

import java.util.Map;

/**
 * How a population of simulated users is drawn.
 *
 * <p>Properties: {@code users.count} (default 50), {@code users.noise} (0.05), {@code users.thumbs.rate}
 * (0.8), {@code users.preference.rate} (0.5), {@code users.rate.spread} (0.5), {@code users.chat.min.chars}
 * (10), {@code users.chat.max.chars} (60), {@code users.chat.length.jitter} (10), {@code users.seed} (42).
 *
 * @param count number of users
 * @param flipProbability probability that a user's verdict (thumbs or A/B choice) is flipped: label noise
 * @param thumbsRate mean probability that a user rates a response they see
 * @param preferenceRate mean probability that a user compares a response with an earlier one to the same prompt
 * @param rateSpread each user's rates are drawn uniformly from {@code rate * (1 ± spread)}, clipped to [0, 1]
 * @param chatMinChars shortest chat reply users accept
 * @param chatMaxChars typical longest chat reply users accept
 * @param chatLengthJitter each user's longest acceptable reply is drawn from {@code chatMaxChars ± jitter}
 * @param seed seed of the draw and of the users' noise
 */
public record PopulationConfig(
        int count,
        double flipProbability,
        double thumbsRate,
        double preferenceRate,
        double rateSpread,
        int chatMinChars,
        int chatMaxChars,
        int chatLengthJitter,
        long seed) {

    /** Validates every field; fails fast naming the bad value and the fix. */
    public PopulationConfig {
        if (count < 1) {
            throw new IllegalArgumentException("users.count must be >= 1, was " + count);
        }
        requireProbability(flipProbability, "users.noise");
        requireProbability(thumbsRate, "users.thumbs.rate");
        requireProbability(preferenceRate, "users.preference.rate");
        requireProbability(rateSpread, "users.rate.spread");
        if (flipProbability >= 0.5) {
            throw new IllegalArgumentException(
                    "users.noise must be below 0.5 (at 0.5 labels carry no signal), was " + flipProbability);
        }
        if (chatMinChars < 1 || chatMaxChars - chatLengthJitter < chatMinChars || chatLengthJitter < 0) {
            throw new IllegalArgumentException("need 1 <= users.chat.min.chars <= users.chat.max.chars - "
                    + "users.chat.length.jitter, got " + chatMinChars + ", " + chatMaxChars + ", " + chatLengthJitter);
        }
    }

    /** The defaults listed in the class comment. */
    public static PopulationConfig defaults() {
        return new PopulationConfig(50, 0.05, 0.8, 0.5, 0.5, 10, 60, 10, 42);
    }

    /** Reads the population settings, each defaulting to {@link #defaults()}. */
    public static PopulationConfig fromProperties(Map<String, String> props) {
        return new PopulationConfig(
                ProducerKeys.USERS_COUNT.get(props),
                ProducerKeys.USERS_NOISE.get(props),
                ProducerKeys.USERS_THUMBS_RATE.get(props),
                ProducerKeys.USERS_PREFERENCE_RATE.get(props),
                ProducerKeys.USERS_RATE_SPREAD.get(props),
                ProducerKeys.USERS_CHAT_MIN_CHARS.get(props),
                ProducerKeys.USERS_CHAT_MAX_CHARS.get(props),
                ProducerKeys.USERS_CHAT_LENGTH_JITTER.get(props),
                ProducerKeys.USERS_SEED.get(props));
    }

    /** The same population with another label-noise level. */
    public PopulationConfig withNoise(double flip) {
        return new PopulationConfig(
                count,
                flip,
                thumbsRate,
                preferenceRate,
                rateSpread,
                chatMinChars,
                chatMaxChars,
                chatLengthJitter,
                seed);
    }

    /** The same population with other rates. */
    public PopulationConfig withRates(double thumbs, double preference) {
        return new PopulationConfig(
                count,
                flipProbability,
                thumbs,
                preference,
                rateSpread,
                chatMinChars,
                chatMaxChars,
                chatLengthJitter,
                seed);
    }

    /** The same population with another spread of per-user rates (0: every user at the mean rates). */
    public PopulationConfig withSpread(double spread) {
        return new PopulationConfig(
                count,
                flipProbability,
                thumbsRate,
                preferenceRate,
                spread,
                chatMinChars,
                chatMaxChars,
                chatLengthJitter,
                seed);
    }

    private static void requireProbability(double p, String key) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException(key + " must be in [0, 1], was " + p);
        }
    }
}
