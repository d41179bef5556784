package io.streamrlhf.producers.tasks;

import java.util.Random;

/**
 * Draws prompts from a mixture of the two tasks. Deterministic for a given {@link Random} seed.
 */
public final class TaskGenerator {

    private final double arithmeticShare;
    private final ArithmeticTask arithmetic;
    private final ChatTask chat = new ChatTask();

    /**
     * @param arithmeticShare probability that a prompt is arithmetic (the rest are chat), in [0, 1]
     * @param maxOperand largest arithmetic operand
     */
    public TaskGenerator(double arithmeticShare, int maxOperand) {
        if (!(arithmeticShare >= 0 && arithmeticShare <= 1)) {
            throw new IllegalArgumentException("arithmeticShare must be in [0, 1], was " + arithmeticShare);
        }
        this.arithmeticShare = arithmeticShare;
        this.arithmetic = new ArithmeticTask(maxOperand);
    }

    /** The next prompt. */
    public TaskPrompt next(Random random) {
        return random.nextDouble() < arithmeticShare ? arithmetic.next(random) : chat.next(random);
    }
}
