package io.streamrlhf.trainer.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import io.streamrlhf.trainer.config.OptimizerConfig;
import io.streamrlhf.trainer.model.GradMode;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * AdamW (Loshchilov and Hutter: decoupled weight decay) over NDArrays, with global-norm gradient
 * clipping and linear warm-up. Its state (m, v, step) is plain arrays so checkpoints can hold it.
 *
 * <p>Weight decay applies to parameters with two or more dimensions (matrices and embeddings), not
 * to biases and LayerNorm scales.
 */
public final class AdamW implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AdamW.class);

    /** Every element of an array. */
    private static final NDIndex ALL = new NDIndex("...");

    private final OptimizerConfig config;
    private final NDManager manager;
    private final LinkedHashMap<String, NDArray> firstMoments = new LinkedHashMap<>();
    private final LinkedHashMap<String, NDArray> secondMoments = new LinkedHashMap<>();
    private long step;
    private boolean nonFiniteReported;

    /** Zero state for the given parameters (their shapes and device). */
    public AdamW(OptimizerConfig config, Map<String, NDArray> parameters) {
        this.config = config;
        NDArray any = parameters.values().iterator().next();
        this.manager = any.getManager().newSubManager(any.getDevice());
        parameters.forEach((name, p) -> {
            firstMoments.put(name, manager.zeros(p.getShape(), p.getDataType(), p.getDevice()));
            secondMoments.put(name, manager.zeros(p.getShape(), p.getDataType(), p.getDevice()));
        });
    }

    /** Number of optimizer steps taken so far. */
    public long step() {
        return step;
    }

    /** The configuration. */
    public OptimizerConfig config() {
        return config;
    }

    /**
     * Applies one update from the accumulated gradients, then zeroes them.
     *
     * @return the global gradient norm before clipping; when it is not finite the update is
     *     skipped (the gradients are still zeroed) and the step counter does not advance
     */
    public double update(Map<String, NDArray> parameters) {
        try (GradMode.Scope ignored = GradMode.off()) {
            return updateWithoutGrad(parameters);
        }
    }

    private double updateWithoutGrad(Map<String, NDArray> parameters) {
        double norm = gradientNorm(parameters);
        if (!Double.isFinite(norm)) {
            if (nonFiniteReported) {
                LOG.warn("Skipping optimizer step {}: gradient norm is {}", step + 1, norm);
            } else {
                // Once per optimizer, and only on this path: which tensor went bad says where to look next time.
                nonFiniteReported = true;
                LOG.warn(
                        "Skipping optimizer step {}: gradient norm is {}; first non-finite gradient: {}",
                        step + 1,
                        norm,
                        firstNonFiniteGradient(parameters).orElse("none (the norm's sum overflowed)"));
            }
            zeroGradients(parameters);
            return norm;
        }
        step++;
        double lr = config.learningRateAt(step);
        double clip =
                config.maxGradNorm() > 0 && norm > config.maxGradNorm() ? config.maxGradNorm() / (norm + 1e-6) : 1.0;
        double b1 = config.beta1();
        double b2 = config.beta2();
        double correction1 = 1 - Math.pow(b1, step);
        double correction2 = 1 - Math.pow(b2, step);
        // The update's constants as float32 scalars made once per step: NDArray.mul(Number) makes a float64
        // scalar per call and libtorch converts it again per op, which cost more than the arithmetic on the
        // adapters' small matrices. Clipping folds into the moments' coefficients: the same numbers, fewer ops.
        try (NDScope ignored = new NDScope();
                NDManager scalars = manager.newSubManager()) {
            NDArray beta1 = scalars.create((float) b1);
            NDArray gradIntoFirst = scalars.create((float) ((1 - b1) * clip));
            NDArray beta2 = scalars.create((float) b2);
            NDArray gradSquareIntoSecond = scalars.create((float) ((1 - b2) * clip * clip));
            NDArray decay = scalars.create((float) (1 - lr * config.weightDecay()));
            NDArray secondCorrection = scalars.create((float) correction2);
            NDArray epsilon = scalars.create((float) config.epsilon());
            NDArray stepSize = scalars.create((float) (lr / correction1));
            for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
                NDArray weight = e.getValue();
                NDArray m = firstMoments.get(e.getKey());
                NDArray v = secondMoments.get(e.getKey());
                NDArray grad = weight.getGradient();
                m.muli(beta1).addi(grad.mul(gradIntoFirst));
                v.muli(beta2).addi(grad.square().muli(gradSquareIntoSecond));
                if (config.weightDecay() > 0 && weight.getShape().dimension() >= 2) {
                    weight.muli(decay);
                }
                NDArray denominator = v.div(secondCorrection).sqrt().addi(epsilon);
                weight.subi(m.div(denominator).muli(stepSize));
            }
        }
        zeroGradients(parameters);
        return norm;
    }

    /** sqrt of the sum of squared gradients over all parameters. */
    public static double gradientNorm(Map<String, NDArray> parameters) {
        // One sum on the device and one read at the end, not a read (a synchronisation) per parameter.
        try (NDScope ignored = new NDScope()) {
            NDArray sum = null;
            for (NDArray p : parameters.values()) {
                NDArray squares = p.getGradient().square().sum();
                sum = sum == null ? squares : sum.addi(squares);
            }
            return sum == null
                    ? 0
                    : Math.sqrt(sum.toType(ai.djl.ndarray.types.DataType.FLOAT64, false)
                            .getDouble());
        }
    }

    /**
     * The first parameter, in the map's order, whose gradient holds a NaN or an infinity, with how many of its values
     * do and the parameter's own count of non-finite values (weights that went bad are another story than a bad
     * backward pass); empty when every gradient is finite.
     */
    public static Optional<String> firstNonFiniteGradient(Map<String, NDArray> parameters) {
        try (GradMode.Scope off = GradMode.off();
                NDScope ignored = new NDScope()) {
            for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
                NDArray grad = e.getValue().getGradient();
                long bad = nonFinite(grad);
                if (bad > 0) {
                    return Optional.of(String.format(
                            Locale.ROOT,
                            "%s %s: %d of %d values NaN or infinite (%d NaN); the weights hold %d non-finite values",
                            e.getKey(),
                            grad.getShape(),
                            bad,
                            grad.size(),
                            grad.isNaN().sum().getLong(),
                            nonFinite(e.getValue())));
                }
            }
            return Optional.empty();
        }
    }

    private static long nonFinite(NDArray a) {
        return a.isNaN().logicalOr(a.isInfinite()).sum().getLong();
    }

    /**
     * Sets every parameter's gradient to zero in place, NaN and infinities included. A fill, not a product with 0 (nor
     * DJL's {@code g - g}): {@code NaN * 0} is NaN, so one backward that produced a non-finite gradient would leave it
     * in the accumulation buffers and every later step would be skipped as well.
     */
    public static void zeroGradients(Map<String, NDArray> parameters) {
        try (GradMode.Scope off = GradMode.off();
                NDScope ignored = new NDScope()) {
            for (NDArray p : parameters.values()) {
                p.getGradient().set(ALL, 0f);
            }
        }
    }

    /** Host copy of the state, for checkpoints. */
    public OptimizerState exportState() {
        Map<String, float[]> m = new LinkedHashMap<>();
        Map<String, float[]> v = new LinkedHashMap<>();
        firstMoments.forEach((k, a) -> m.put(k, a.toFloatArray()));
        secondMoments.forEach((k, a) -> v.put(k, a.toFloatArray()));
        return new OptimizerState(step, m, v);
    }

    /** Restores state exported by {@link #exportState()}. */
    public void importState(OptimizerState state) {
        for (String name : firstMoments.keySet()) {
            float[] m = state.firstMoments().get(name);
            float[] v = state.secondMoments().get(name);
            NDArray target = firstMoments.get(name);
            if (m == null || v == null || m.length != target.size() || v.length != target.size()) {
                throw new IllegalArgumentException("optimizer state for " + name + " missing or mis-sized");
            }
            firstMoments.get(name).set(m);
            secondMoments.get(name).set(v);
        }
        this.step = state.step();
    }

    @Override
    public void close() {
        manager.close();
    }
}
