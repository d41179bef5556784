package io.streamrlhf.streams.canary;

/** Where one metric stands in a canary comparison. */
public enum MetricVerdict {
    /** Not enough evidence either way yet (or fewer than the minimum sample on an arm). */
    OPEN,
    /** The canary is shown not to be worse than the parent by more than the metric's margin. */
    SAFE,
    /** The canary is shown to be worse: thumbs-up rate lower by more than the margin, or a judge failing more. */
    HARM
}
