package io.streamrlhf.producers.users;

import io.streamrlhf.producers.tasks.ArithmeticTask;
import java.util.Optional;

/**
 * Approves an arithmetic completion exactly when it is the right answer (see {@link ArithmeticTask} for the
 * format). The answer is computed from the prompt text itself, so rollouts without a reference still judge.
 */
public record ArithmeticTaste() implements Taste {

    @Override
    public Verdict judge(String prompt, String completion) {
        Optional<Long> answer = ArithmeticTask.answerOf(prompt);
        if (answer.isEmpty()) {
            return new Verdict(0, false, "not an arithmetic prompt");
        }
        return ArithmeticTask.isCorrect(completion, String.valueOf(answer.get()))
                ? new Verdict(1, true, "ok")
                : new Verdict(0, false, "wrong answer, expected " + answer.get());
    }
}
