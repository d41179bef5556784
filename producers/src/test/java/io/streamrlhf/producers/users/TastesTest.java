package io.streamrlhf.producers.users;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.producers.tasks.ChatTask;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TastesTest {

    private final ArithmeticTaste arithmetic = new ArithmeticTaste();
    private final ChatTaste chat = ChatTaste.DEFAULT;

    @Test
    void approvesTheRightArithmeticAnswerAndRejectsAWrongOne() {
        assertThat(arithmetic.judge("What is 17+25?", "42").approved()).isTrue();
        assertThat(arithmetic.judge("What is 17+25?", "42").score()).isEqualTo(1.0);
        Verdict wrong = arithmetic.judge("What is 17+25?", "41");
        assertThat(wrong.approved()).isFalse();
        assertThat(wrong.reason()).contains("expected 42");
    }

    @ParameterizedTest(name = "''{0}'' -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "Hello Ana, nice to meet you!            | true  | ok",
                "hello Ana, nice to meet you!            | false | format",
                "Hello Ana, nice to meet you             | false | format",
                "I am a language model.                  | false | not polite",
                "Hi!                                     | false | length",
                "Hello Ana, nice to meet you! I can tell you many things about many topics today. | false | length",
                "Good morning! How can I help you today?  | true  | ok",
                "Sushi is great today.                   | false | not polite",
            })
    void judgesChatOnFormatPolitenessAndLength(String completion, boolean approved, String reason) {
        Verdict v = chat.judge("Hi, I am Ana.", completion);

        assertThat(v.approved()).isEqualTo(approved);
        assertThat(v.reason()).startsWith(reason);
    }

    @Test
    void scoresPartialChatAnswersBetweenZeroAndOne() {
        assertThat(chat.judge("Hi, I am Ana.", "ok").score()).isEqualTo(0.0);
        assertThat(chat.judge("Hi, I am Ana.", "hello ana").score()).isEqualTo(1 / 3.0);
        assertThat(chat.judge("Hi, I am Ana.", "Hello Ana, welcome.").score()).isEqualTo(1.0);
    }

    @Test
    void approvesEveryReferenceGoodChatCompletionAndNoBadOne() {
        Random random = new Random(11);
        IntStream.range(0, 100).forEach(i -> {
            String prompt = new ChatTask().next(random).text();
            assertThat(chat.judge(prompt, ChatTask.goodCompletion(prompt, random))
                            .approved())
                    .isTrue();
            assertThat(chat.judge(prompt, ChatTask.badCompletion(prompt, random))
                            .approved())
                    .isFalse();
        });
    }
}
