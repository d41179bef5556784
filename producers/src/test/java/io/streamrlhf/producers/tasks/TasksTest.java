package io.streamrlhf.producers.tasks;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.producers.users.UserTastes;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class TasksTest {

    @Test
    void arithmeticPromptsFollowTheDocumentedFormatWithTheirExactAnswer() {
        ArithmeticTask task = new ArithmeticTask(20);
        Random random = new Random(1);

        IntStream.range(0, 200).mapToObj(i -> task.next(random)).forEach(p -> {
            assertThat(p.text()).matches("What is \\d{1,2}\\+\\d{1,2}\\?");
            assertThat(p.task()).isEqualTo(TaskKind.ARITHMETIC);
            assertThat(ArithmeticTask.answerOf(p.text())).contains(Long.parseLong(p.referenceAnswer()));
            assertThat(Long.parseLong(p.referenceAnswer())).isBetween(0L, 40L);
        });
    }

    @Test
    void computesTheAnswerFromThePromptText() {
        assertThat(ArithmeticTask.answerOf("What is 17+25?")).contains(42L);
        assertThat(ArithmeticTask.answerOf("What is 9-4?")).contains(5L);
        assertThat(ArithmeticTask.answerOf("Hi, I am Ana.")).isEmpty();
    }

    @Test
    void judgesTheExactAnswerOnlyAllowingWhitespaceAndOneTrailingPeriod() {
        assertThat(ArithmeticTask.isCorrect("42", "42")).isTrue();
        assertThat(ArithmeticTask.isCorrect(" 42.\n", "42")).isTrue();
        assertThat(ArithmeticTask.isCorrect("43", "42")).isFalse();
        assertThat(ArithmeticTask.isCorrect("The answer is 42", "42")).isFalse();
        assertThat(ArithmeticTask.isCorrect("420", "42")).isFalse();
    }

    @Test
    void wrongCompletionsAreNeverCorrect() {
        Random random = new Random(3);
        ArithmeticTask task = new ArithmeticTask(20);
        IntStream.range(0, 200)
                .mapToObj(i -> task.next(random))
                .forEach(p -> assertThat(ArithmeticTask.isCorrect(
                                ArithmeticTask.wrongCompletion(p.text(), random), p.referenceAnswer()))
                        .isFalse());
    }

    @Test
    void usesTheTrainersWarmStartCorpusFormats() {
        Random random = new Random(5);
        TaskPrompt chat = new ChatTask().next(random);
        TaskPrompt sum = new ArithmeticTask(SyntheticTasks.MAX_OPERAND).next(new Random(1));

        assertThat(SyntheticTasks.CHAT_PROMPTS).contains(chat.text());
        assertThat(sum.text())
                .isEqualTo(SyntheticTasks.arithmeticPrompt(
                        Integer.parseInt(sum.text().replaceAll("What is (\\d+)\\+\\d+\\?", "$1")),
                        Integer.parseInt(sum.text().replaceAll("What is \\d+\\+(\\d+)\\?", "$1"))));
        SyntheticTasks.mixed(200, random)
                .forEach(sample -> assertThat(UserTastes.DEFAULT
                                .judge(null, sample.prompt(), sample.completion())
                                .approved())
                        .as(sample.toString())
                        .isTrue());
    }

    @Test
    void chatPromptsCarryNoReferenceAndTasksResolveFromText() {
        TaskPrompt p = new ChatTask().next(new Random(5));

        assertThat(p.task()).isEqualTo(TaskKind.CHAT);
        assertThat(p.referenceAnswer()).isNull();
        assertThat(TaskKind.resolve(null, p.text())).isEqualTo(TaskKind.CHAT);
        assertThat(TaskKind.resolve(null, "What is 1+2?")).isEqualTo(TaskKind.ARITHMETIC);
        assertThat(TaskKind.resolve("chat", "What is 1+2?")).isEqualTo(TaskKind.CHAT);
    }

    @Test
    void mixesTasksByTheConfiguredShareReproduciblyForASeed() {
        TaskGenerator generator = new TaskGenerator(0.25, 20);

        Random shared = new Random(1);
        long arithmetic = IntStream.range(0, 4000)
                .mapToObj(i -> generator.next(shared))
                .filter(p -> p.task() == TaskKind.ARITHMETIC)
                .count();
        Random a = new Random(9);
        Random b = new Random(9);

        assertThat(arithmetic / 4000.0).isBetween(0.22, 0.28);
        assertThat(IntStream.range(0, 20).mapToObj(i -> generator.next(a)).toList())
                .isEqualTo(
                        IntStream.range(0, 20).mapToObj(i -> generator.next(b)).toList());
    }
}
