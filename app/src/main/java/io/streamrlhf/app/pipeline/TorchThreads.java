package io.streamrlhf.app.pipeline;

import io.streamrlhf.trainer.cpu.MklDispatch;
import java.util.Optional;

/**
 * Sets libtorch's CPU thread counts before the engine loads. In the one-JVM demo the trainer, the sampler and
 * (in the experiment) the evaluator each run a model at once on two cores; one intra-op thread per model
 * avoids oversubscription, which measured several times slower than one thread on this kind of machine.
 * A GPU box, or a trainer alone on a many-core machine, should leave {@code torch.threads} unset.
 */
public final class TorchThreads {

    private static final String INTRA = "ai.djl.pytorch.num_threads";
    private static final String INTER = "ai.djl.pytorch.num_interop_threads";

    private TorchThreads() {}

    /** Applies {@code threads} ({@code torch.threads}) unless the JVM was started with DJL thread properties. */
    public static void apply(Optional<Integer> threads) {
        threads.ifPresent(t -> {
            if (System.getProperty(INTRA) == null) {
                System.setProperty(INTRA, String.valueOf(t));
            }
            if (System.getProperty(INTER) == null) {
                System.setProperty(INTER, "1");
            }
        });
    }

    /**
     * Turns the MKL dispatch shim off when {@code torch.mkl.dispatch=false}, before anything loads libtorch; a
     * {@code -Dstreamrlhf.mkl.dispatch} given to the JVM wins, as with the thread properties.
     */
    public static void applyMklDispatch(boolean enabled) {
        if (!enabled && System.getProperty(MklDispatch.PROPERTY) == null) {
            System.setProperty(MklDispatch.PROPERTY, "false");
        }
    }
}
