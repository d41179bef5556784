package io.streamrlhf.trainer.optim;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.streamrlhf.trainer.config.OptimizerConfig;
import io.streamrlhf.trainer.model.GradMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
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
 *
 * <p>The moments of consecutive parameters share flat buffers (groups of up to 16 M values), and each step copies
 * the gradients of a group into one flat array, so the norm, the moments and the update cost a dozen engine calls
 * per group rather than per tensor; only the weights' own update (and their decay) is per tensor.
 */
public final class AdamW implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AdamW.class);

    /** Every element of an array. */
    private static final NDIndex ALL = new NDIndex("...");

    /**
     * Elements per flat group: large enough that a LoRA adapter set (a few million values) is one group, small
     * enough that the gradients' flat copy of a fully fine-tuned model stays a small transient.
     */
    static final long DEFAULT_GROUP_ELEMENTS = 16L << 20;

    private final OptimizerConfig config;
    private final NDManager manager;
    private final List<Group> groups = new ArrayList<>();
    private final List<String> names = new ArrayList<>();
    private long step;
    private boolean nonFiniteReported;

    /**
     * Consecutive parameters whose moments live in one flat buffer each, so the update runs a dozen operations over
     * the whole group instead of a dozen per tensor: with a LoRA adapter set of 112 small matrices the per-tensor
     * loop was about 2,300 engine calls a step, each costing more than its arithmetic.
     *
     * @param names the parameters' names, in the map's order
     * @param shapes their shapes
     * @param offsets where each one starts in the flat buffers, with the total size last
     * @param decays whether each one gets weight decay (two or more dimensions)
     * @param firstMoments m, flat
     * @param secondMoments v, flat
     */
    private record Group(
            List<String> names,
            List<Shape> shapes,
            long[] offsets,
            boolean[] decays,
            NDArray firstMoments,
            NDArray secondMoments) {

        long size() {
            return offsets[offsets.length - 1];
        }
    }

    /** Zero state for the given parameters (their shapes and device). */
    public AdamW(OptimizerConfig config, Map<String, NDArray> parameters) {
        this(config, parameters, DEFAULT_GROUP_ELEMENTS);
    }

    /** Zero state, with the parameters packed into flat groups of at most {@code groupElements} values. */
    AdamW(OptimizerConfig config, Map<String, NDArray> parameters, long groupElements) {
        this.config = config;
        NDArray any = parameters.values().iterator().next();
        this.manager = any.getManager().newSubManager(any.getDevice());
        List<Map.Entry<String, NDArray>> pending = new ArrayList<>();
        long pendingSize = 0;
        for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
            long size = e.getValue().size();
            if (!pending.isEmpty() && pendingSize + size > groupElements) {
                groups.add(group(pending, pendingSize));
                pending.clear();
                pendingSize = 0;
            }
            pending.add(e);
            pendingSize += size;
            names.add(e.getKey());
        }
        groups.add(group(pending, pendingSize));
    }

    private Group group(List<Map.Entry<String, NDArray>> members, long size) {
        List<String> groupNames = new ArrayList<>(members.size());
        List<Shape> shapes = new ArrayList<>(members.size());
        long[] offsets = new long[members.size() + 1];
        boolean[] decays = new boolean[members.size()];
        NDArray first = members.get(0).getValue();
        for (int i = 0; i < members.size(); i++) {
            NDArray p = members.get(i).getValue();
            groupNames.add(members.get(i).getKey());
            shapes.add(p.getShape());
            offsets[i + 1] = offsets[i] + p.size();
            decays[i] = p.getShape().dimension() >= 2;
        }
        return new Group(
                List.copyOf(groupNames),
                List.copyOf(shapes),
                offsets,
                decays,
                manager.zeros(new Shape(size), first.getDataType(), first.getDevice()),
                manager.zeros(new Shape(size), first.getDataType(), first.getDevice()));
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
        List<NDArray> weights = inOrder(parameters);
        try (NDScope ignored = new NDScope();
                NDManager scalars = manager.newSubManager()) {
            // Each group's gradients copied into one flat array: the norm, the moments and the update then run
            // once per group. Their squares serve the norm and the second moment alike.
            NDArray[] grads = new NDArray[groups.size()];
            NDArray[] squares = new NDArray[groups.size()];
            NDArray sum = null;
            int at = 0;
            for (int k = 0; k < groups.size(); k++) {
                Group group = groups.get(k);
                grads[k] = flatGradients(weights.subList(at, at + group.names().size()));
                at += group.names().size();
                squares[k] = grads[k].square();
                NDArray groupSum = squares[k].sum();
                sum = sum == null ? groupSum : sum.addi(groupSum);
            }
            double norm = Math.sqrt(sum.toType(DataType.FLOAT64, false).getDouble());
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
            double clip = config.maxGradNorm() > 0 && norm > config.maxGradNorm()
                    ? config.maxGradNorm() / (norm + 1e-6)
                    : 1.0;
            double b1 = config.beta1();
            double b2 = config.beta2();
            double correction1 = 1 - Math.pow(b1, step);
            double correction2 = 1 - Math.pow(b2, step);
            // The update's constants as float32 scalars made once per step: NDArray.mul(Number) makes a float64
            // scalar per call and libtorch converts it again per op, which cost more than the arithmetic on the
            // adapters' small matrices. Clipping folds into the moments' coefficients: the same numbers, fewer ops.
            // Every element goes through the same float32 operations in the same order as a per-tensor loop would
            // take it, so the flat layout changes no weight's value.
            NDArray beta1 = scalars.create((float) b1);
            NDArray gradIntoFirst = scalars.create((float) ((1 - b1) * clip));
            NDArray beta2 = scalars.create((float) b2);
            NDArray gradSquareIntoSecond = scalars.create((float) ((1 - b2) * clip * clip));
            NDArray decay = scalars.create((float) (1 - lr * config.weightDecay()));
            NDArray secondCorrection = scalars.create((float) correction2);
            NDArray epsilon = scalars.create((float) config.epsilon());
            NDArray stepSize = scalars.create((float) (lr / correction1));
            at = 0;
            for (int k = 0; k < groups.size(); k++) {
                Group group = groups.get(k);
                NDArray m = group.firstMoments();
                NDArray v = group.secondMoments();
                m.muli(beta1).addi(grads[k].mul(gradIntoFirst));
                v.muli(beta2).addi(squares[k].muli(gradSquareIntoSecond));
                NDArray denominator = v.div(secondCorrection).sqrt().addi(epsilon);
                NDArray update = m.div(denominator).muli(stepSize);
                List<NDArray> members = weights.subList(at, at + group.names().size());
                at += group.names().size();
                NDList parts = members.size() == 1
                        ? new NDList(update)
                        : update.split(Arrays.copyOfRange(group.offsets(), 1, members.size()));
                for (int i = 0; i < members.size(); i++) {
                    NDArray weight = members.get(i);
                    if (config.weightDecay() > 0 && group.decays()[i]) {
                        weight.muli(decay);
                    }
                    weight.subi(parts.get(i).reshape(group.shapes().get(i)));
                }
            }
            zeroGradients(parameters);
            return norm;
        }
    }

    /** The parameters by the names the optimizer was made with, in its order; another set is a caller's error. */
    private List<NDArray> inOrder(Map<String, NDArray> parameters) {
        if (parameters.size() != names.size()) {
            throw new IllegalArgumentException(
                    "the optimizer was made for " + names.size() + " parameters, got " + parameters.size());
        }
        List<NDArray> out = new ArrayList<>(names.size());
        for (String name : names) {
            NDArray p = parameters.get(name);
            if (p == null) {
                throw new IllegalArgumentException("no parameter " + name + ", which the optimizer was made for");
            }
            out.add(p);
        }
        return out;
    }

    /** The gradients of {@code members}, flattened and concatenated (a view when there is one). */
    private static NDArray flatGradients(List<NDArray> members) {
        if (members.size() == 1) {
            return members.get(0).getGradient().flatten();
        }
        NDList flat = new NDList(members.size());
        for (NDArray p : members) {
            flat.add(p.getGradient().flatten());
        }
        return NDArrays.concat(flat);
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
        for (Group group : groups) {
            float[] allM = group.firstMoments().toFloatArray();
            float[] allV = group.secondMoments().toFloatArray();
            for (int i = 0; i < group.names().size(); i++) {
                int from = Math.toIntExact(group.offsets()[i]);
                int to = Math.toIntExact(group.offsets()[i + 1]);
                m.put(group.names().get(i), Arrays.copyOfRange(allM, from, to));
                v.put(group.names().get(i), Arrays.copyOfRange(allV, from, to));
            }
        }
        return new OptimizerState(step, m, v);
    }

    /** Restores state exported by {@link #exportState()}. */
    public void importState(OptimizerState state) {
        List<float[][]> groupValues = new ArrayList<>(groups.size());
        for (Group group : groups) {
            float[] allM = new float[Math.toIntExact(group.size())];
            float[] allV = new float[allM.length];
            for (int i = 0; i < group.names().size(); i++) {
                String name = group.names().get(i);
                float[] m = state.firstMoments().get(name);
                float[] v = state.secondMoments().get(name);
                int from = Math.toIntExact(group.offsets()[i]);
                int length = Math.toIntExact(group.offsets()[i + 1]) - from;
                if (m == null || v == null || m.length != length || v.length != length) {
                    throw new IllegalArgumentException("optimizer state for " + name + " missing or mis-sized");
                }
                System.arraycopy(m, 0, allM, from, length);
                System.arraycopy(v, 0, allV, from, length);
            }
            groupValues.add(new float[][] {allM, allV});
        }
        // Checked in full before anything changes, so a bad state leaves the optimizer as it was.
        for (int k = 0; k < groups.size(); k++) {
            groups.get(k).firstMoments().set(groupValues.get(k)[0]);
            groups.get(k).secondMoments().set(groupValues.get(k)[1]);
        }
        this.step = state.step();
    }

    @Override
    public void close() {
        manager.close();
    }
}
