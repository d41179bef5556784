package io.streamrlhf.bench.trainer;

import io.streamrlhf.trainer.hf.HfModelConfig;
import java.util.Locale;

/**
 * Floating-point operations of one LoRA DPO step, counted from the matrix products the step runs (a product of
 * {@code (m, k) @ (k, n)} is {@code 2mkn}); element-wise work (norms, rotary, softmax, log-softmax) is left out.
 *
 * <p>The step: the reference forward (base only), the policy forward (base plus every adapter), and the policy
 * backward. In the backward a frozen base weight gets no weight gradient, only its input gets one; each adapter's
 * {@code A} and {@code B} get both. Layer 0's q, k and v projections read the normed token embedding, which
 * nothing trainable precedes, so autograd computes no input gradient there (neither for the base product nor for
 * the adapter's {@code A}). The LM head is frozen (tied or not): input gradient only; it runs only on the
 * {@code keptColumns} columns from the first scored one on (TRL's {@code logits_to_keep}), in every pass. Attention's
 * two batched
 * products ({@code QK^T} and {@code PV}) run over all {@code T x T} positions (the causal mask is additive), twice
 * as much again in the backward (each product's two operands).
 *
 * @param config the model
 * @param rank the adapters' rank (on all seven projections of every layer)
 * @param rows sequences in the step (chosen and rejected)
 * @param length tokens per sequence
 * @param keptColumns columns per sequence that get logits (from the first scored one to the end)
 */
public record LoraStepFlops(HfModelConfig config, int rank, int rows, int length, int keptColumns) {

    /** One projection's input and output widths. */
    private record Projection(String name, long in, long out, boolean readsNormedInput) {}

    private Projection[] projections() {
        long d = config.hiddenSize();
        long q = (long) config.numAttentionHeads() * config.headDim();
        long kv = (long) config.numKeyValueHeads() * config.headDim();
        long i = config.intermediateSize();
        return new Projection[] {
            new Projection("q_proj", d, q, true),
            new Projection("k_proj", d, kv, true),
            new Projection("v_proj", d, kv, true),
            new Projection("o_proj", q, d, false),
            new Projection("gate_proj", d, i, false),
            new Projection("up_proj", d, i, false),
            new Projection("down_proj", i, d, false)
        };
    }

    private long tokens() {
        return (long) rows * length;
    }

    /** Attention's two products over one forward, all layers: {@code 4 * rows * heads * T^2 * head_dim * L}. */
    private long attentionForward() {
        return 4L * rows * config.numAttentionHeads() * length * length * config.headDim() * config.numHiddenLayers();
    }

    private long head() {
        return 2L * rows * keptColumns * config.hiddenSize() * config.vocabSize();
    }

    /** The reference forward: base projections, attention and the LM head. */
    public long referenceForward() {
        long n = tokens();
        long sum = 0;
        for (Projection p : projections()) {
            sum += 2 * n * p.in() * p.out();
        }
        return sum * config.numHiddenLayers() + attentionForward() + head();
    }

    /** The policy forward: the reference's products plus each adapter's {@code x A^T} and {@code (x A^T) B^T}. */
    public long policyForward() {
        long n = tokens();
        long lora = 0;
        for (Projection p : projections()) {
            lora += 2 * n * rank * (p.in() + p.out());
        }
        return referenceForward() + lora * config.numHiddenLayers();
    }

    /** The policy backward (see the class comment for what gets a gradient). */
    public long policyBackward() {
        long n = tokens();
        long sum = 0;
        for (int layer = 0; layer < config.numHiddenLayers(); layer++) {
            for (Projection p : projections()) {
                boolean inputGradient = layer > 0 || !p.readsNormedInput();
                // B: weight and input gradients; A: weight gradient, and its input's when one is needed.
                sum += 2 * (2 * n * rank * p.out()) + 2 * n * p.in() * rank;
                if (inputGradient) {
                    sum += 2 * n * p.in() * p.out() + 2 * n * p.in() * rank;
                }
            }
        }
        return sum + 2 * attentionForward() + head();
    }

    /** The whole step. */
    public long total() {
        return referenceForward() + policyForward() + policyBackward();
    }

    /** The formula, with this config's numbers. */
    public String formula() {
        long d = config.hiddenSize();
        return String.format(
                        Locale.ROOT,
                        "FLOPs/step = ref fwd + policy fwd + policy bwd, N = rows x T = %d x %d tokens, r = %d,"
                                + " L = %d, H = %d heads of %d, V = %d, K = rows x %d columns from the first scored"
                                + " one;%n"
                                + "  per projection (in, out): base fwd 2*N*in*out, LoRA fwd 2*N*r*(in+out);"
                                + " bwd: input grad 2*N*in*out (no weight grad: frozen), LoRA 4*N*r*out + 4*N*r*in"
                                + " (layer 0's q/k/v: no input grads, 4*N*r*out + 2*N*r*in);%n"
                                + "  attention per layer: fwd 4*rows*H*T^2*hd, bwd 8*rows*H*T^2*hd;"
                                + " LM head (frozen, %s, on the K columns only): fwd 2*K*d*V, bwd 2*K*d*V (input grad);%n"
                                + "  = %.3f + %.3f + %.3f = %.3f GFLOP",
                        rows,
                        length,
                        rank,
                        config.numHiddenLayers(),
                        config.numAttentionHeads(),
                        config.headDim(),
                        config.vocabSize(),
                        keptColumns,
                        config.tieWordEmbeddings() ? "tied" : "untied",
                        referenceForward() / 1e9,
                        policyForward() / 1e9,
                        policyBackward() / 1e9,
                        total() / 1e9)
                + String.format(Locale.ROOT, " (d = %d)", d);
    }
}
