package io.streamrlhf.streams.judge;

import io.streamrlhf.avro.JudgeScore;

/**
 * Passes completions whose length in characters is within [min, max]. Score 1 inside the bounds, else the ratio
 * by which it misses them ({@code len/min} below, {@code max/len} above).
 */
public final class LengthBoundsJudge implements Judge {

    /** This judge's id. */
    public static final String ID = "length-bounds";

    private final int min;
    private final int max;

    public LengthBoundsJudge(int min, int max) {
        if (min < 0 || max < min) {
            throw new IllegalArgumentException("length bounds need 0 <= min <= max, got " + min + ".." + max);
        }
        this.min = min;
        this.max = max;
    }

    @Override
    public String id() {
        return ID;
    }

    @Override
    public JudgeScore judge(JudgeInput input) {
        int len = input.completion().length();
        if (len < min) {
            return Judge.fail(ID, min == 0 ? 0.0 : (double) len / min, "length " + len + " < " + min);
        }
        if (len > max) {
            return Judge.fail(ID, (double) max / len, "length " + len + " > " + max);
        }
        return Judge.pass(ID, 1.0);
    }
}
