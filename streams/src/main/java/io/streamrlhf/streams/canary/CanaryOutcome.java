package io.streamrlhf.streams.canary;

/** What a canary evaluation concludes. */
public enum CanaryOutcome {
    /** Keep observing. */
    CONTINUE,
    /** Every metric is safe: the canary becomes the promoted version. */
    PROMOTED,
    /** A metric shows harm: traffic returns to the parent. */
    ROLLED_BACK
}
