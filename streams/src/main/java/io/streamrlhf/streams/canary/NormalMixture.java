package io.streamrlhf.streams.canary;

/**
 * Robbins' two-sided normal-mixture boundary for a sub-Gaussian sum, the uniform boundary behind the confidence
 * sequences here.
 *
 * <p>For centred increments that are sub-Gaussian with variance proxy summing to {@code v} (intrinsic time), mixing
 * the supermartingales {@code exp(λS - λ²v/2)} over {@code λ ~ N(0, 1/ρ)} gives the nonnegative supermartingale
 * {@code sqrt(ρ/(v+ρ)) exp(S²/(2(v+ρ)))}; by Ville's inequality it exceeds {@code 1/α} at any time with probability at
 * most {@code α}. So, uniformly over all times, {@code |S| < sqrt((v+ρ)(ln(1 + v/ρ) + 2 ln(1/α)))} with probability at
 * least {@code 1 - α}: the two-sided normal mixture of Howard, Ramdas, McAuliffe and Sekhon, "Time-uniform,
 * nonparametric, nonasymptotic confidence sequences" (Annals of Statistics, 2021), also {@code TwoSidedNormalMixture}
 * in their {@code confseq} library. Any {@code ρ > 0} is valid; {@link #bestRho} only chooses where the boundary is
 * tightest.
 */
public final class NormalMixture {

    private NormalMixture() {}

    /**
     * The boundary on {@code |S|} at intrinsic time {@code v}.
     *
     * @param v intrinsic time (sum of variance proxies), {@code >= 0}
     * @param alpha crossing probability over all times, in (0, 1)
     * @param rho mixture precision, {@code > 0}
     */
    public static double bound(double v, double alpha, double rho) {
        if (v < 0 || !(alpha > 0 && alpha < 1) || !(rho > 0)) {
            throw new IllegalArgumentException(
                    "need v >= 0, 0 < alpha < 1, rho > 0; got v=" + v + " alpha=" + alpha + " rho=" + rho);
        }
        return Math.sqrt((v + rho) * (Math.log1p(v / rho) + 2 * Math.log(1 / alpha)));
    }

    /**
     * The {@code ρ} that makes the boundary (approximately) tightest at intrinsic time {@code vOpt}:
     * {@code vOpt / (2 ln(1/α) + ln(1 + 2 ln(1/α)))}, the tuning in the same paper (and {@code confseq}'s
     * {@code best_rho}).
     */
    public static double bestRho(double vOpt, double alpha) {
        if (!(vOpt > 0) || !(alpha > 0 && alpha < 1)) {
            throw new IllegalArgumentException("need vOpt > 0 and 0 < alpha < 1; got " + vOpt + ", " + alpha);
        }
        double l = 2 * Math.log(1 / alpha);
        return vOpt / (l + Math.log1p(l));
    }
}
