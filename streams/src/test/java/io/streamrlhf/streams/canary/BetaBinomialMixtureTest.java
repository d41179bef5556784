package io.streamrlhf.streams.canary;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class BetaBinomialMixtureTest {

    @Test
    void logGammaMatchesKnownValues() {
        // ln Γ(1/2) = ln sqrt(π); ln Γ(10) = ln 9!; ln Γ(1) = 0; ln Γ(0.01) = ln(99.43258512...)
        assertThat(BetaBinomialMixture.logGamma(0.5)).isCloseTo(0.5 * Math.log(Math.PI), within(1e-13));
        assertThat(BetaBinomialMixture.logGamma(10)).isCloseTo(Math.log(362880), within(1e-12));
        assertThat(BetaBinomialMixture.logGamma(1)).isCloseTo(0.0, within(1e-13));
        assertThat(BetaBinomialMixture.logGamma(0.01)).isCloseTo(Math.log(99.43258511915060), within(1e-10));
        // ln 199! by summing logs
        double lnFact = 0;
        for (int k = 2; k < 200; k++) {
            lnFact += Math.log(k);
        }
        assertThat(BetaBinomialMixture.logGamma(200)).isCloseTo(lnFact, within(1e-9));
    }

    /**
     * The closed form against the definition: the prior-weighted average of the likelihood ratio, integrated
     * numerically (Simpson, 200,000 panels, the Beta density normalised by the same integration), so no Beta
     * function or log-gamma is shared with the code under test.
     */
    @Test
    void logWealthIsThePriorAverageOfTheLikelihoodRatio() {
        long[][] cases = {{7, 20}, {1, 30}, {25, 40}, {0, 12}};
        double[] rates = {0.3, 0.1, 0.5, 0.2};
        double c = 9.0;
        for (int i = 0; i < cases.length; i++) {
            long s = cases[i][0];
            long n = cases[i][1];
            double m = rates[i];
            double a = c * m;
            double b = c * (1 - m);
            int panels = 200_000;
            double h = 1.0 / panels;
            double num = 0;
            double den = 0;
            for (int k = 1; k < panels; k++) {
                double t = k * h;
                double w = (k % 2 == 0) ? 2 : 4;
                double prior = Math.pow(t, a - 1) * Math.pow(1 - t, b - 1);
                double ratio = Math.pow(t / m, s) * Math.pow((1 - t) / (1 - m), n - s);
                num += w * prior * ratio;
                den += w * prior;
            }
            // The endpoints carry no weight for these a, b >= 0.9 except a = 0.9 at 0, whose singularity is
            // integrable; the ratio of the two sums cancels most of the quadrature error.
            double expected = Math.log(num / den);
            assertThat(BetaBinomialMixture.logWealth(s, n, m, c))
                    .as("s=%d n=%d m=%s", s, n, m)
                    .isCloseTo(expected, within(2e-3));
        }
    }

    /** The interval's ends are where the wealth reaches 1/alpha, and every rate inside keeps it below. */
    @Test
    void intervalEndsAreWhereTheWealthReachesOneOverAlpha() {
        double alpha = 0.00625;
        double c = BetaBinomialMixture.concentration(2000, alpha);
        for (long[] sn : new long[][] {{50, 500}, {250, 500}, {3, 1000}, {900, 1000}, {0, 300}, {300, 300}}) {
            RateInterval r = BetaBinomialMixture.interval(sn[0], sn[1], alpha, c);
            double threshold = Math.log(1 / alpha);
            if (r.low() > 1e-9) {
                assertThat(BetaBinomialMixture.logWealth(sn[0], sn[1], r.low(), c))
                        .isCloseTo(threshold, within(1e-6));
            }
            if (r.high() < 1 - 1e-9) {
                assertThat(BetaBinomialMixture.logWealth(sn[0], sn[1], r.high(), c))
                        .isCloseTo(threshold, within(1e-6));
            }
            // Monotone on each side of the empirical rate, so the set {m : wealth < 1/alpha} is this interval:
            // scan a fine grid over (0, 1) for rates outside it that are not rejected.
            for (int k = 1; k < 10_000; k++) {
                double m = k / 10_000.0;
                boolean inside = m >= r.low() && m <= r.high();
                boolean rejected = BetaBinomialMixture.logWealth(sn[0], sn[1], m, c) >= threshold;
                assertThat(inside || rejected)
                        .as("rate %s for %d of %d", m, sn[0], sn[1])
                        .isTrue();
            }
        }
    }

    /** Variance adaptivity: at a rate of 0.1 the interval is much narrower than the normal mixture's. */
    @Test
    void isNarrowerThanTheNormalMixtureAwayFromOneHalfAndNoWiderAtOneHalf() {
        double alpha = 0.00625;
        double c = BetaBinomialMixture.concentration(2000, alpha);
        double rho = NormalMixture.bestRho(2000 / 4.0, alpha);
        RateInterval beta10 = BetaBinomialMixture.interval(200, 2000, alpha, c);
        RateInterval normal10 = RateInterval.bernoulli(200, 2000, alpha, rho);
        RateInterval beta50 = BetaBinomialMixture.interval(1000, 2000, alpha, c);
        RateInterval normal50 = RateInterval.bernoulli(1000, 2000, alpha, rho);
        System.out.printf(
                "width at 2000 observations, rate 0.1: beta-binomial %.4f, normal mixture %.4f;"
                        + " rate 0.5: beta-binomial %.4f, normal mixture %.4f%n",
                beta10.high() - beta10.low(),
                normal10.high() - normal10.low(),
                beta50.high() - beta50.low(),
                normal50.high() - normal50.low());
        assertThat(beta10.high() - beta10.low()).isLessThan(0.7 * (normal10.high() - normal10.low()));
        assertThat(beta50.high() - beta50.low()).isLessThan(1.02 * (normal50.high() - normal50.low()));
    }
}
