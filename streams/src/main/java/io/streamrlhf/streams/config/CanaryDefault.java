package io.streamrlhf.streams.config;

/** What a canary becomes when its maximum duration passes without a decision. */
public enum CanaryDefault {
    /** Promote it (the test found no harm in the time it had). */
    PROMOTED,
    /** Roll it back (a version must prove itself to be promoted). */
    ROLLED_BACK
}
