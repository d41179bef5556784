package io.streamrlhf.trainer.generate;

/**
 * Decoding settings, applied by {@link Generator} through the logits processors of
 * {@link LogitsProcessorList#forSampling}.
 *
 * @param temperature softmax temperature; 0 means greedy (default 1.0)
 * @param topP nucleus mass in (0, 1] (default 1.0)
 * @param maxTokens maximum generated tokens (default 64)
 */
public record SamplingConfig(double temperature, double topP, int maxTokens) {

    /** Validates ranges. */
    public SamplingConfig {
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be >= 0, was " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("topP must be in (0, 1], was " + topP);
        }
        if (maxTokens <= 0) {
            throw new IllegalArgumentException("maxTokens must be positive, was " + maxTokens);
        }
    }

    /** Temperature 1, top-p 1, 64 tokens. */
    public static SamplingConfig defaults() {
        return new SamplingConfig(1.0, 1.0, 64);
    }

    /** Greedy decoding of up to {@code maxTokens} tokens. */
    public static SamplingConfig greedy(int maxTokens) {
        return new SamplingConfig(0.0, 1.0, maxTokens);
    }
}
