package io.streamrlhf.trainer.generate;

import java.util.Arrays;

/**
 * Nucleus filtering: keeps the smallest set of most likely tokens whose probability mass (under the softmax of the
 * scores it receives, so after temperature) reaches {@code topP}, and rules out the rest. The most likely token is
 * always kept; among equally likely tokens the lower id comes first.
 */
public final class TopPProcessor implements LogitsProcessor {

    private final double topP;

    /** Keeps a nucleus of mass {@code topP} in (0, 1]. */
    public TopPProcessor(double topP) {
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("topP must be in (0, 1], was " + topP);
        }
        this.topP = topP;
    }

    @Override
    public void process(float[] scores) {
        if (topP >= 1) {
            return;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (float s : scores) {
            max = Math.max(max, s);
        }
        double[] probs = new double[scores.length];
        double total = 0;
        for (int i = 0; i < scores.length; i++) {
            probs[i] = Math.exp(scores[i] - max);
            total += probs[i];
        }
        Integer[] order = new Integer[scores.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
            probs[i] /= total;
        }
        // A stable sort: ties keep id order, so the nucleus does not depend on the sort's whims.
        Arrays.sort(order, (a, b) -> Double.compare(probs[b], probs[a]));
        double kept = 0;
        int cut = 0;
        while (cut < order.length && (cut == 0 || kept < topP)) {
            kept += probs[order[cut++]];
        }
        for (int i = cut; i < order.length; i++) {
            scores[order[i]] = Float.NEGATIVE_INFINITY;
        }
    }
}
