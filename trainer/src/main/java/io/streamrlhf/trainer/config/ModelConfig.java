package io.streamrlhf.trainer.config;

/**
 * Shape of the decoder-only policy transformer.
 *
 * @param layers number of decoder layers (default 2)
 * @param width model width d_model (default 128)
 * @param heads attention heads; must divide {@code width} (default 4)
 * @param context maximum sequence length in tokens, prompt and completion together (default 128)
 * @param mlpRatio hidden width of the MLP as a multiple of {@code width} (default 4)
 * @param positions learned or fixed sinusoidal position embeddings (default LEARNED)
 * @param tiedHead whether the LM head reuses the token embedding matrix (default true)
 * @param seed seed for weight initialisation (default 42)
 */
public record ModelConfig(
        int layers, int width, int heads, int context, int mlpRatio, Positions positions, boolean tiedHead, long seed) {

    /** Position embedding kind. */
    public enum Positions {
        /** A trained (context × width) table. */
        LEARNED,
        /** The fixed sine/cosine table of "Attention Is All You Need". */
        SINUSOIDAL
    }

    /** Validates every field, naming the bad value. */
    public ModelConfig {
        requirePositive("layers", layers);
        requirePositive("width", width);
        requirePositive("heads", heads);
        requirePositive("mlpRatio", mlpRatio);
        if (context < 8) {
            throw new IllegalArgumentException("context must be at least 8 tokens, was " + context);
        }
        if (width % heads != 0) {
            throw new IllegalArgumentException(
                    "width " + width + " is not divisible by heads " + heads + "; pick heads dividing width");
        }
        if (positions == null) {
            throw new IllegalArgumentException("positions must be LEARNED or SINUSOIDAL, was null");
        }
    }

    /** The default size: 2 layers × 128 wide, 4 heads, context 128; trains interactively on 2 cores. */
    public static ModelConfig defaults() {
        return new ModelConfig(2, 128, 4, 128, 4, Positions.LEARNED, true, 42L);
    }

    /** A tiny model for unit tests. */
    public static ModelConfig tiny() {
        return new ModelConfig(1, 32, 2, 64, 2, Positions.LEARNED, true, 7L);
    }

    /** This config with another depth and width (heads kept, must still divide the width). */
    public ModelConfig withSize(int newLayers, int newWidth) {
        return new ModelConfig(newLayers, newWidth, heads, context, mlpRatio, positions, tiedHead, seed);
    }

    private static void requirePositive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + " must be positive, was " + value);
        }
    }
}
