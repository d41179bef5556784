package io.streamrlhf.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A policy's weights as host float arrays by parameter name, in the model's parameter order: what a checkpoint
 * stores and what restores it (Hugging Face's state dict).
 */
public final class PolicyWeights {

    /** Every element of an array. */
    private static final NDIndex ALL = new NDIndex("...");

    private PolicyWeights() {}

    /** Copies of all of {@code model}'s weights, by parameter name. */
    public static Map<String, float[]> export(PolicyModel model) {
        return export(model.parameters());
    }

    /** Copies of {@code parameters} as host arrays, by name, in their order. */
    public static Map<String, float[]> export(Map<String, NDArray> parameters) {
        LinkedHashMap<String, float[]> out = new LinkedHashMap<>();
        parameters.forEach((name, array) -> out.put(name, array.toFloatArray()));
        return out;
    }

    /**
     * Overwrites {@code model}'s weights in place, so parameters keep their identity, gradient buffers and the
     * optimizer's references to them.
     *
     * @throws IllegalArgumentException when a name is missing or a size differs
     */
    public static void load(PolicyModel model, Map<String, float[]> weights) {
        load(model.parameters(), weights);
    }

    /**
     * Overwrites {@code parameters} in place from {@code weights}, which must hold exactly their names.
     *
     * @throws IllegalArgumentException when a name is missing or unexpected, or a size differs
     */
    public static void load(Map<String, NDArray> parameters, Map<String, float[]> weights) {
        for (String name : weights.keySet()) {
            if (!parameters.containsKey(name)) {
                throw new IllegalArgumentException("weights for " + name + ", which this model does not have"
                        + " (a checkpoint of another model, LoRA setting or target modules?)");
            }
        }
        for (Map.Entry<String, NDArray> e : parameters.entrySet()) {
            float[] values = weights.get(e.getKey());
            NDArray target = e.getValue();
            if (values == null || values.length != target.size()) {
                throw new IllegalArgumentException("weights for " + e.getKey() + " missing or of size "
                        + (values == null ? "none" : values.length) + ", expected " + target.size());
            }
            assign(target, values);
        }
    }

    /**
     * Writes {@code values} (row-major, {@code target}'s size) into {@code target} in place: the parameter keeps its
     * identity, storage and requires-grad flag, and nothing of its old values survives. A copy, not
     * {@code target.muli(0).addi(values)}: {@code NaN * 0} is NaN, so a product with 0 keeps every NaN or infinity
     * the old values held.
     *
     * @throws IllegalArgumentException when the sizes differ
     */
    public static void assign(NDArray target, float[] values) {
        if (values.length != target.size()) {
            throw new IllegalArgumentException(
                    values.length + " values for an array of " + target.size() + " (" + target.getShape() + ")");
        }
        try (GradMode.Scope off = GradMode.off();
                NDManager scope = target.getManager().newSubManager()) {
            assign(target, scope.create(values, target.getShape()));
        }
    }

    /**
     * Copies {@code source} (same shape, any device) into {@code target} in place, as {@link #assign(NDArray,
     * float[])} does.
     */
    public static void assign(NDArray target, NDArray source) {
        if (!target.getShape().equals(source.getShape())) {
            throw new IllegalArgumentException(
                    "cannot copy an array of shape " + source.getShape() + " into one of " + target.getShape());
        }
        try (GradMode.Scope off = GradMode.off();
                NDScope ignored = new NDScope()) {
            target.set(
                    ALL,
                    source.getDevice().equals(target.getDevice()) ? source : source.toDevice(target.getDevice(), true));
        }
    }
}
