package io.streamrlhf.streams.canary;

/**
 * One metric's counts on both arms over the canary period: events that count ({@code canaryHits}: thumbs up, or
 * a judge failure) of {@code canaryTrials}, and the same for the parent.
 *
 * @param canaryHits hits on the canary version
 * @param canaryTrials observations of the canary version
 * @param parentHits hits on the parent (promoted) version
 * @param parentTrials observations of the parent version
 */
public record ArmCounts(long canaryHits, long canaryTrials, long parentHits, long parentTrials) {

    /** No observations yet. */
    public static final ArmCounts EMPTY = new ArmCounts(0, 0, 0, 0);

    public ArmCounts {
        if (canaryHits < 0 || canaryHits > canaryTrials || parentHits < 0 || parentHits > parentTrials) {
            throw new IllegalArgumentException("need 0 <= hits <= trials on both arms, got " + canaryHits + "/"
                    + canaryTrials + " and " + parentHits + "/" + parentTrials);
        }
    }

    /** These counts plus one observation on the canary ({@code canary}) or the parent arm. */
    public ArmCounts plus(boolean canary, boolean hit) {
        int h = hit ? 1 : 0;
        return canary
                ? new ArmCounts(canaryHits + h, canaryTrials + 1, parentHits, parentTrials)
                : new ArmCounts(canaryHits, canaryTrials, parentHits + h, parentTrials + 1);
    }

    /** The fewer observations of the two arms. */
    public long minTrials() {
        return Math.min(canaryTrials, parentTrials);
    }
}
