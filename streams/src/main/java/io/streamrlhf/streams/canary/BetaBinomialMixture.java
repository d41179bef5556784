package io.streamrlhf.streams.canary;

/**
 * A variance-adaptive, time-uniform confidence sequence for a Bernoulli rate from its counts alone: the mixture of
 * likelihood ratios (a mixture of betting strategies), tighter than the normal mixture with Hoeffding's variance
 * proxy whenever the rate is away from 1/2, and as tight at 1/2.
 *
 * <p>For a hypothesised rate {@code m}, each observation {@code X} multiplies a bettor's wealth by {@code (θ/m)^X
 * ((1-θ)/(1-m))^(1-X) = 1 + λ(X - m)} with {@code λ = (θ - m) / (m(1 - m))}: a constant bet on the outcome, which
 * under rate {@code m} is a nonnegative martingale with mean 1. Mixing over {@code θ ~ Beta(cm, c(1-m))} (a prior
 * fixed before the data for each {@code m}) gives the wealth {@code M_n(m) = B(cm + s, c(1-m) + n - s) / B(cm,
 * c(1-m)) / (m^s (1-m)^(n-s))} after {@code s} hits in {@code n} trials, again a nonnegative martingale under
 * {@code m}; by Ville's inequality it ever reaches {@code 1/α} with probability at most {@code α}. So {@code {m :
 * M_n(m) < 1/α}} covers the true rate at every {@code n} at once with probability at least {@code 1 - α}. This is
 * the conjugate (beta-binomial) mixture of Howard, Ramdas, McAuliffe and Sekhon, "Time-uniform, nonparametric,
 * nonasymptotic confidence sequences" (Annals of Statistics, 2021), and a mixture of the betting confidence
 * sequences of Waudby-Smith and Ramdas, "Estimating means of bounded random variables by betting" (JRSS B, 2023);
 * unlike their predictable bets it needs only the counts, which is all the canary controller keeps.
 *
 * <p>Tuning: the bet {@code λ} has variance {@code 1/((c+1) m(1-m))} under the prior, the normal mixture's {@code
 * 1/ρ} at intrinsic time {@code n m(1-m)}; {@link #concentration} picks {@code c} as {@link NormalMixture#bestRho}
 * does, so the sequence is tightest near a chosen sample size. Any {@code c > 0} is valid.
 */
public final class BetaBinomialMixture {

    private static final double[] LANCZOS = {
        0.99999999999980993,
        676.5203681218851,
        -1259.1392167224028,
        771.32342877765313,
        -176.61502916214059,
        12.507343278686905,
        -0.13857109526572012,
        9.9843695780195716e-6,
        1.5056327351493116e-7
    };
    private static final double HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);
    private static final double EDGE = 1e-12;
    private static final double TOLERANCE = 1e-10;

    private BetaBinomialMixture() {}

    /**
     * The prior concentration {@code c} that makes the sequence (approximately) tightest after {@code nOpt}
     * observations at level {@code alpha}: {@code nOpt / (2 ln(1/α) + ln(1 + 2 ln(1/α))) - 1}, at least 1.
     */
    public static double concentration(double nOpt, double alpha) {
        if (!(nOpt > 0) || !(alpha > 0 && alpha < 1)) {
            throw new IllegalArgumentException("need nOpt > 0 and 0 < alpha < 1; got " + nOpt + ", " + alpha);
        }
        double l = 2 * Math.log(1 / alpha);
        return Math.max(1.0, nOpt / (l + Math.log1p(l)) - 1);
    }

    /** {@code ln M_n(m)}, the log wealth of the mixture against rate {@code m} after {@code s} hits in {@code n}. */
    public static double logWealth(long s, long n, double m, double c) {
        if (s < 0 || n < 0 || s > n || !(m > 0 && m < 1) || !(c > 0)) {
            throw new IllegalArgumentException(
                    "need 0 <= s <= n, 0 < m < 1, c > 0; got s=" + s + " n=" + n + " m=" + m + " c=" + c);
        }
        double a = c * m;
        double b = c * (1 - m);
        double logB1 = logGamma(a + s) + logGamma(b + (n - s)) - logGamma(c + n);
        double logB0 = logGamma(a) + logGamma(b) - logGamma(c);
        double logLik = (s == 0 ? 0 : s * Math.log(m)) + (n - s == 0 ? 0 : (n - s) * Math.log1p(-m));
        return logB1 - logB0 - logLik;
    }

    /**
     * The confidence sequence's interval after {@code s} hits in {@code n}: the rates {@code m} whose wealth is still
     * under {@code 1/alpha}, found from the empirical rate outwards (the wealth grows on both sides of it). [0, 1]
     * when {@code n} is 0.
     */
    public static RateInterval interval(long s, long n, double alpha, double c) {
        return interval(s, n, alpha, c, null);
    }

    /**
     * As {@link #interval(long, long, double, double)}, starting the search at {@code hint} (the interval after a few
     * observations fewer, or null): the ends move little from one observation to the next, so a bracket around the
     * old ends takes a few evaluations instead of a search over the whole range. The answer does not depend on it.
     */
    public static RateInterval interval(long s, long n, double alpha, double c, RateInterval hint) {
        if (!(alpha > 0 && alpha < 1) || !(c > 0)) {
            throw new IllegalArgumentException("need 0 < alpha < 1 and c > 0; got " + alpha + ", " + c);
        }
        if (s < 0 || n < 0 || s > n) {
            throw new IllegalArgumentException("need 0 <= successes <= n, got " + s + " of " + n);
        }
        if (n == 0) {
            return new RateInterval(0.0, 1.0);
        }
        double threshold = Math.log(1 / alpha);
        double rate = Math.min(1 - EDGE, Math.max(EDGE, (double) s / n));
        double low = s == 0 ? 0.0 : crossing(s, n, c, threshold, EDGE, rate, hint == null ? Double.NaN : hint.low());
        double high =
                s == n ? 1.0 : crossing(s, n, c, threshold, 1 - EDGE, rate, hint == null ? Double.NaN : hint.high());
        return new RateInterval(Math.min(low, (double) s / n), Math.max(high, (double) s / n));
    }

    /**
     * Where the log wealth crosses {@code threshold} between {@code outer} (an end of (0, 1)) and {@code inner} (the
     * empirical rate, where the wealth is at most 1, under the threshold): the Illinois variant of regula falsi,
     * which keeps the bracket. {@code outer} itself when the wealth there is still under the threshold.
     */
    private static double crossing(
            long s, long n, double c, double threshold, double outer, double inner, double hint) {
        double x0 = outer;
        double x1 = inner;
        double f0 = Double.NaN;
        double f1 = Double.NaN;
        double direction = Math.signum(inner - outer);
        if (hint > Math.min(outer, inner) && hint < Math.max(outer, inner)) {
            // Narrow the bracket around the hint: widen a step at a time until the sign changes.
            double fHint = logWealth(s, n, hint, c) - threshold;
            double step = 1e-4 * direction * (fHint >= 0 ? 1 : -1);
            double prev = hint;
            double fPrev = fHint;
            for (int i = 0; i < 12; i++) {
                double next = hint + step;
                if (!(next > Math.min(outer, inner) && next < Math.max(outer, inner))) {
                    break;
                }
                double fNext = logWealth(s, n, next, c) - threshold;
                if ((fNext >= 0) != (fPrev >= 0)) {
                    if (fPrev >= 0) {
                        x0 = prev;
                        f0 = fPrev;
                        x1 = next;
                        f1 = fNext;
                    } else {
                        x0 = next;
                        f0 = fNext;
                        x1 = prev;
                        f1 = fPrev;
                    }
                    break;
                }
                if (fNext >= 0) {
                    x0 = next;
                    f0 = fNext;
                } else {
                    x1 = next;
                    f1 = fNext;
                }
                prev = next;
                fPrev = fNext;
                step *= 4;
            }
            if (fHint >= 0 && Double.isNaN(f0)) {
                x0 = hint;
                f0 = fHint;
            } else if (fHint < 0 && Double.isNaN(f1)) {
                x1 = hint;
                f1 = fHint;
            }
        }
        if (Double.isNaN(f0)) {
            f0 = logWealth(s, n, x0, c) - threshold;
            if (f0 < 0) {
                return outer;
            }
        }
        if (Double.isNaN(f1)) {
            f1 = logWealth(s, n, x1, c) - threshold;
            if (f1 >= 0) {
                return inner;
            }
        }
        int side = 0;
        for (int i = 0; i < 200 && Math.abs(x1 - x0) > TOLERANCE; i++) {
            double x = (x0 * f1 - x1 * f0) / (f1 - f0);
            if (!(x > Math.min(x0, x1) && x < Math.max(x0, x1))) {
                x = 0.5 * (x0 + x1);
            }
            double f = logWealth(s, n, x, c) - threshold;
            if (f >= 0) {
                x0 = x;
                f0 = f;
                if (side == -1) {
                    f1 /= 2;
                }
                side = -1;
            } else {
                x1 = x;
                f1 = f;
                if (side == 1) {
                    f0 /= 2;
                }
                side = 1;
            }
        }
        // x0 is rejected (wealth at or over the threshold), x1 is not: the interval ends at the last rate not
        // rejected, widened to the rejected side so rounding never narrows it.
        return x0;
    }

    /** {@code ln Γ(x)} for {@code x > 0}: Lanczos (g = 7, nine terms), relative error about 1e-15. */
    static double logGamma(double x) {
        if (!(x > 0)) {
            throw new IllegalArgumentException("need x > 0, got " + x);
        }
        if (x < 0.5) {
            // Reflection keeps the series accurate near 0: Γ(x) Γ(1 - x) = π / sin(πx).
            return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
        }
        double z = x - 1;
        double sum = LANCZOS[0];
        for (int i = 1; i < LANCZOS.length; i++) {
            sum += LANCZOS[i] / (z + i);
        }
        double t = z + 7.5;
        return HALF_LOG_TWO_PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
    }
}
