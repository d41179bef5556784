package io.streamrlhf.producers.tasks;

import java.util.Optional;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The arithmetic task: additions of small non-negative numbers, answered by the number alone.
 *
 * <p>The prompt format is the trainer's warm-start corpus format ({@link SyntheticTasks#arithmeticPrompt}),
 * the single source of truth, so fresh rollouts ask what the warm-start policy was taught:
 * <ul>
 *   <li>prompt: {@code "What is A+B?"}, no spaces, A and B in {@code [0, maxOperand]}
 *       (default {@link SyntheticTasks#MAX_OPERAND})</li>
 *   <li>reference answer and ideal completion: the decimal result, nothing else ({@code "42"})</li>
 *   <li>judgement: correct when the completion, with surrounding whitespace and one trailing period removed,
 *       is exactly the reference answer</li>
 * </ul>
 * Judging also understands {@code "What is A-B?"}, for prompts written by hand.
 */
public final class ArithmeticTask {

    /** Matches the prompt format, capturing A, the operator and B. */
    public static final Pattern PROMPT = Pattern.compile("What is (\\d{1,6})([+-])(\\d{1,6})\\?");
    /** Default upper bound of an operand. */
    public static final int DEFAULT_MAX_OPERAND = SyntheticTasks.MAX_OPERAND;

    private final int maxOperand;

    /** Operands drawn from {@code [0, maxOperand]}. */
    public ArithmeticTask(int maxOperand) {
        if (maxOperand < 1 || maxOperand > 999_999) {
            throw new IllegalArgumentException("maxOperand must be in [1, 999999], was " + maxOperand);
        }
        this.maxOperand = maxOperand;
    }

    /** A fresh prompt with its reference answer. */
    public TaskPrompt next(Random random) {
        int a = random.nextInt(maxOperand + 1);
        int b = random.nextInt(maxOperand + 1);
        return new TaskPrompt(TaskKind.ARITHMETIC, SyntheticTasks.arithmeticPrompt(a, b), String.valueOf(a + b));
    }

    /** The exact answer of a prompt in this task's format, or empty when the text is not one. */
    public static Optional<Long> answerOf(String promptText) {
        if (promptText == null) {
            return Optional.empty();
        }
        Matcher m = PROMPT.matcher(promptText.trim());
        if (!m.matches()) {
            return Optional.empty();
        }
        long a = Long.parseLong(m.group(1));
        long b = Long.parseLong(m.group(3));
        return Optional.of(m.group(2).equals("+") ? a + b : a - b);
    }

    /** Whether {@code completion} is exactly {@code referenceAnswer} (whitespace and one trailing period aside). */
    public static boolean isCorrect(String completion, String referenceAnswer) {
        if (completion == null || referenceAnswer == null) {
            return false;
        }
        String answer = completion.strip();
        if (answer.endsWith(".")) {
            answer = answer.substring(0, answer.length() - 1);
        }
        return answer.equals(referenceAnswer.strip());
    }

    /** The ideal completion of a prompt in this format. */
    public static String referenceCompletion(String promptText) {
        return answerOf(promptText)
                .map(String::valueOf)
                .orElseThrow(() -> new IllegalArgumentException("Not an arithmetic prompt: " + promptText));
    }

    /** A plausible wrong completion (off by 1 to 3, or a wrong format), for warm-start corpora and tests. */
    public static String wrongCompletion(String promptText, Random random) {
        long answer = answerOf(promptText)
                .orElseThrow(() -> new IllegalArgumentException("Not an arithmetic prompt: " + promptText));
        return switch (random.nextInt(3)) {
            case 0 -> String.valueOf(answer + 1 + random.nextInt(3));
            case 1 -> String.valueOf(answer >= 1 ? answer - 1 : answer + 4);
            default -> "The answer is " + answer;
        };
    }
}
