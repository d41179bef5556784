package io.streamrlhf.trainer.model.llama;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * LoRA hyper-parameters with PEFT's meaning: each targeted projection {@code W} becomes
 * {@code W x + scaling * B(A(dropout(x)))} with {@code A (r, in)}, {@code B (out, r)} and
 * {@code scaling = alpha / r} ({@code alpha / sqrt(r)} with rsLoRA); at initialisation {@code B} is zero, so the
 * adapted model starts as the base.
 *
 * @param rank {@code r}
 * @param alpha {@code lora_alpha}
 * @param dropout {@code lora_dropout}, applied to the adapter's input in training only
 * @param targets the projections adapted in every layer
 * @param rsLora PEFT's {@code use_rslora}
 */
public record LoraConfig(int rank, double alpha, double dropout, Set<Target> targets, boolean rsLora) {

    /** The projections of a Llama-family layer a LoRA adapter can target, by PEFT's module names. */
    public enum Target {
        Q_PROJ("self_attn"),
        K_PROJ("self_attn"),
        V_PROJ("self_attn"),
        O_PROJ("self_attn"),
        GATE_PROJ("mlp"),
        UP_PROJ("mlp"),
        DOWN_PROJ("mlp");

        private final String parent;

        Target(String parent) {
            this.parent = parent;
        }

        /** The module name PEFT's {@code target_modules} uses ({@code q_proj}, ...). */
        public String moduleName() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The module's path in layer {@code layer}: {@code model.layers.N.self_attn.q_proj}. */
        public String path(int layer) {
            return "model.layers." + layer + "." + parent + "." + moduleName();
        }

        /** The target of a PEFT module name. */
        public static Target of(String moduleName) {
            for (Target t : values()) {
                if (t.moduleName().equals(moduleName)) {
                    return t;
                }
            }
            throw new IllegalArgumentException("target module '" + moduleName
                    + "' is not one of q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj");
        }
    }

    /** Validates. */
    public LoraConfig {
        if (rank <= 0) {
            throw new IllegalArgumentException("LoRA rank must be positive, got " + rank);
        }
        if (!(alpha > 0) || Double.isInfinite(alpha)) {
            throw new IllegalArgumentException("LoRA alpha must be positive, got " + alpha);
        }
        if (!(dropout >= 0 && dropout < 1)) {
            throw new IllegalArgumentException("LoRA dropout must be in [0, 1), got " + dropout);
        }
        if (targets.isEmpty()) {
            throw new IllegalArgumentException("LoRA needs at least one target module");
        }
        targets = Collections.unmodifiableSet(EnumSet.copyOf(targets));
    }

    /** All seven projections. */
    public static Set<Target> allTargets() {
        return EnumSet.allOf(Target.class);
    }

    /** The factor of the adapter's output. */
    public double scaling() {
        return rsLora ? alpha / Math.sqrt(rank) : alpha / rank;
    }
}
