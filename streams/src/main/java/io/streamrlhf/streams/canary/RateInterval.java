package io.streamrlhf.streams.canary;

/**
 * An interval for a rate (or a difference of two rates).
 *
 * @param low lower end
 * @param high upper end
 */
public record RateInterval(double low, double high) {

    public RateInterval {
        if (Double.isNaN(low) || Double.isNaN(high) || low > high) {
            throw new IllegalArgumentException("need low <= high, got [" + low + ", " + high + "]");
        }
    }

    /**
     * The time-uniform confidence sequence for a Bernoulli mean after {@code successes} of {@code n} trials: the
     * empirical rate plus or minus {@link NormalMixture#bound} at intrinsic time {@code n/4} (a Bernoulli variable
     * minus its mean is sub-Gaussian with variance proxy 1/4, Hoeffding's lemma), divided by {@code n}, clipped to
     * [0, 1]. It covers the true rate at every {@code n} at once with probability at least {@code 1 - alpha}, so it
     * may be looked at after every observation. [0, 1] when {@code n} is 0.
     */
    public static RateInterval bernoulli(long successes, long n, double alpha, double rho) {
        if (successes < 0 || n < 0 || successes > n) {
            throw new IllegalArgumentException("need 0 <= successes <= n, got " + successes + " of " + n);
        }
        if (n == 0) {
            return new RateInterval(0.0, 1.0);
        }
        double rate = (double) successes / n;
        double radius = NormalMixture.bound(n / 4.0, alpha, rho) / n;
        return new RateInterval(Math.max(0.0, rate - radius), Math.min(1.0, rate + radius));
    }

    /** The interval of {@code this - other} when both hold: [low - other.high, high - other.low]. */
    public RateInterval minus(RateInterval other) {
        return new RateInterval(low - other.high, high - other.low);
    }
}
