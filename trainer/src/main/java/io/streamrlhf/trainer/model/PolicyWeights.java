package io.streamrlhf.trainer.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A policy's weights as host float arrays by parameter name, in the model's parameter order: what a checkpoint
 * stores and what restores it (Hugging Face's state dict).
 */
public final class PolicyWeights {

    private PolicyWeights() {}

    /** Copies of all of {@code model}'s weights, by parameter name. */
    public static Map<String, float[]> export(PolicyModel model) {
        LinkedHashMap<String, float[]> out = new LinkedHashMap<>();
        model.parameters().forEach((name, array) -> out.put(name, array.toFloatArray()));
        return out;
    }

    /**
     * Overwrites {@code model}'s weights in place, so parameters keep their identity, gradient buffers and the
     * optimizer's references to them.
     *
     * @throws IllegalArgumentException when a name is missing or a size differs
     */
    public static void load(PolicyModel model, Map<String, float[]> weights) {
        for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
            float[] values = weights.get(e.getKey());
            NDArray target = e.getValue();
            if (values == null || values.length != target.size()) {
                throw new IllegalArgumentException("weights for " + e.getKey() + " missing or of size "
                        + (values == null ? "none" : values.length) + ", expected " + target.size());
            }
            assign(target, values);
        }
    }

    /** Writes {@code values} into {@code target} in place without touching autograd state. */
    private static void assign(NDArray target, float[] values) {
        try (GradMode.Scope off = GradMode.off();
                NDManager scope = target.getManager().newSubManager()) {
            NDArray source = scope.create(values, target.getShape()).toDevice(target.getDevice(), false);
            // In place: the parameter keeps its identity and requires-grad flag.
            target.muli(0).addi(source);
        }
    }
}
