package io.streamrlhf.trainer.generate;

/**
 * Divides the logits by the temperature: below 1 sharpens the distribution, above 1 flattens it. Greedy decoding
 * (temperature 0) is not a temperature but the {@link Generator}'s arg-max, so 0 is rejected here.
 */
public final class TemperatureProcessor implements LogitsProcessor {

    private final float temperature;

    /** Scales by {@code 1 / temperature}. */
    public TemperatureProcessor(double temperature) {
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be positive and finite, was " + temperature
                    + " (greedy decoding takes no temperature processor)");
        }
        this.temperature = (float) temperature;
    }

    @Override
    public void process(float[] scores) {
        for (int i = 0; i < scores.length; i++) {
            scores[i] /= temperature;
        }
    }
}
