package io.streamrlhf.streams.monitor;

/**
 * The Wilson score interval of a binomial proportion: where the true thumbs-up rate lies, given
 * {@code successes} of {@code n}, at confidence {@code z} (1.96 for 95%).
 *
 * @param low lower bound in [0, 1]
 * @param high upper bound in [0, 1]
 */
public record WilsonInterval(double low, double high) {

    /** The z of a two-sided 95% interval. */
    public static final double Z95 = 1.959963984540054;

    /** The interval for {@code successes} of {@code n}; [0, 1] when n is 0. */
    public static WilsonInterval of(long successes, long n, double z) {
        if (successes < 0 || n < 0 || successes > n) {
            throw new IllegalArgumentException("need 0 <= successes <= n, got " + successes + " of " + n);
        }
        if (n == 0) {
            return new WilsonInterval(0.0, 1.0);
        }
        double p = (double) successes / n;
        double z2 = z * z;
        double denominator = 1 + z2 / n;
        double center = (p + z2 / (2.0 * n)) / denominator;
        double half = z * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n)) / denominator;
        return new WilsonInterval(Math.max(0.0, center - half), Math.min(1.0, center + half));
    }
}
