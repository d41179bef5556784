package io.streamrlhf.trainer.batch;

import io.streamrlhf.trainer.loss.LossConfig;
import java.util.List;

/**
 * One micro-batch from one source with its own loss and weight; a training step accumulates the
 * gradients of several of these (CGPO-style mixture) into one update.
 */
public sealed interface SourceBatch {

    /** Source name, used in metric keys ({@code loss/<name>}). */
    String source();

    /** The loss of this source. */
    LossConfig loss();

    /** Multiplier of this source's loss in the summed objective. */
    double sourceWeight();

    /** Number of examples. */
    int size();

    /** Weight of the per-token KL penalty toward the reference (0: none). */
    double klCoef();

    /** Pairs for a paired loss. */
    record Pairs(String source, LossConfig loss, double sourceWeight, List<PairExample> examples, double klCoef)
            implements SourceBatch {

        /** Pairs without the KL penalty. */
        public Pairs(String source, LossConfig loss, double sourceWeight, List<PairExample> examples) {
            this(source, loss, sourceWeight, examples, 0.0);
        }

        /** Checks that the loss is paired and the batch non-empty. */
        public Pairs {
            if (!loss.type().paired()) {
                throw new IllegalArgumentException(loss.type() + " is not a paired loss");
            }
            if (examples.isEmpty()) {
                throw new IllegalArgumentException("empty micro-batch for source " + source);
            }
            examples = List.copyOf(examples);
        }

        @Override
        public int size() {
            return examples.size();
        }
    }

    /** Unpaired examples for KTO. */
    record Unpaired(String source, LossConfig loss, double sourceWeight, List<UnpairedExample> examples, double klCoef)
            implements SourceBatch {

        /** Examples without the KL penalty. */
        public Unpaired(String source, LossConfig loss, double sourceWeight, List<UnpairedExample> examples) {
            this(source, loss, sourceWeight, examples, 0.0);
        }

        /** Checks that the loss is unpaired and the batch non-empty. */
        public Unpaired {
            if (loss.type().paired()) {
                throw new IllegalArgumentException(loss.type() + " is a paired loss");
            }
            if (examples.isEmpty()) {
                throw new IllegalArgumentException("empty micro-batch for source " + source);
            }
            examples = List.copyOf(examples);
        }

        @Override
        public int size() {
            return examples.size();
        }
    }
}
