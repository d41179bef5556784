package io.streamrlhf.trainer.model.llama;

import io.streamrlhf.trainer.hf.HfModelConfig;

/**
 * Rotary position embeddings in Hugging Face's convention: {@code inv_freq[i] = theta^(-2i/head_dim)} for
 * {@code i < head_dim/2} (with Llama 3's scaling applied where configured), angles {@code position * inv_freq}
 * repeated over both halves of a head, and {@code x * cos + rotate_half(x) * sin} with
 * {@code rotate_half(x) = [-x2, x1]}.
 */
final class Rotary {

    private final float[] invFreq;
    private final int headDim;

    Rotary(HfModelConfig config) {
        this.headDim = config.headDim();
        this.invFreq = inverseFrequencies(config);
    }

    /** The inverse frequencies, {@code head_dim / 2} of them. */
    static float[] inverseFrequencies(HfModelConfig config) {
        int half = config.headDim() / 2;
        float[] inv = new float[half];
        for (int i = 0; i < half; i++) {
            inv[i] = (float) (1.0 / Math.pow(config.ropeTheta(), (2.0 * i) / config.headDim()));
        }
        HfModelConfig.RopeScaling s = config.ropeScaling();
        if (s != null) {
            double lowFreqWavelen = s.originalMaxPositionEmbeddings() / s.lowFreqFactor();
            double highFreqWavelen = s.originalMaxPositionEmbeddings() / s.highFreqFactor();
            for (int i = 0; i < half; i++) {
                double f = inv[i];
                double wavelen = 2 * Math.PI / f;
                double scaled;
                if (wavelen < highFreqWavelen) {
                    scaled = f;
                } else if (wavelen > lowFreqWavelen) {
                    scaled = f / s.factor();
                } else {
                    double smooth = (s.originalMaxPositionEmbeddings() / wavelen - s.lowFreqFactor())
                            / (s.highFreqFactor() - s.lowFreqFactor());
                    scaled = (1 - smooth) * f / s.factor() + smooth * f;
                }
                inv[i] = (float) scaled;
            }
        }
        return inv;
    }

    /**
     * Cosines and sines {@code (rows, T, head_dim)} flattened, for positions {@code (rows, T)} flattened: index 0
     * holds the cosines, 1 the sines. The angle is the fp32 product, as the reference computes it.
     */
    float[][] tables(long[] positions) {
        int half = headDim / 2;
        float[] cos = new float[positions.length * headDim];
        float[] sin = new float[positions.length * headDim];
        for (int p = 0; p < positions.length; p++) {
            float position = positions[p];
            for (int i = 0; i < half; i++) {
                float angle = position * invFreq[i];
                float c = (float) Math.cos(angle);
                float s = (float) Math.sin(angle);
                int at = p * headDim + i;
                cos[at] = c;
                cos[at + half] = c;
                sin[at] = s;
                sin[at + half] = s;
            }
        }
        return new float[][] {cos, sin};
    }
}
