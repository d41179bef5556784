package io.streamrlhf.producers.users;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.avro.FeedbackKind;
import io.streamrlhf.producers.config.PopulationConfig;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SimulatedUserTest {

    private static SimulatedUser user(double flip, double thumbsRate, double preferenceRate) {
        return new SimulatedUser("u", UserTastes.DEFAULT, flip, thumbsRate, preferenceRate);
    }

    @Test
    void withoutNoiseGivesThumbsUpToRightAnswersAndDownToWrongOnes() {
        SimulatedUser honest = user(0, 1, 1);
        Random random = new Random(1);

        assertThat(honest.rate("arithmetic", "What is 2+3?", "5", random)).contains(FeedbackKind.THUMBS_UP);
        assertThat(honest.rate("arithmetic", "What is 2+3?", "6", random)).contains(FeedbackKind.THUMBS_DOWN);
        assertThat(honest.rate(null, "Hi, I am Bo.", "Hello Bo, welcome!", random))
                .contains(FeedbackKind.THUMBS_UP);
    }

    @Test
    void flipsVerdictsAtTheConfiguredNoiseRateReproducibly() {
        // given
        SimulatedUser noisy = user(0.2, 1, 1);

        // when
        List<Optional<FeedbackKind>> first = rateRightAnswer(noisy, new Random(42), 5000);
        List<Optional<FeedbackKind>> again = rateRightAnswer(noisy, new Random(42), 5000);

        // then
        double downRate = first.stream()
                        .filter(k -> k.orElseThrow() == FeedbackKind.THUMBS_DOWN)
                        .count()
                / 5000.0;
        assertThat(downRate).isBetween(0.18, 0.22);
        assertThat(again).isEqualTo(first);
    }

    @Test
    void ratesOnlyAsOftenAsItsThumbsRate() {
        SimulatedUser lazy = user(0, 0.3, 0);

        long rated = rateRightAnswer(lazy, new Random(7), 5000).stream()
                .filter(Optional::isPresent)
                .count();

        assertThat(rated / 5000.0).isBetween(0.27, 0.33);
    }

    @Test
    void prefersTheBetterOfTwoAnswersAndAbstainsOnATie() {
        SimulatedUser honest = user(0, 1, 1);
        Random random = new Random(3);

        assertThat(honest.compare(null, "What is 2+3?", "4", "5", random)).contains(SimulatedUser.Choice.SECOND);
        assertThat(honest.compare(null, "Hi, I am Ana.", "Hello Ana!", "hello ana", random))
                .contains(SimulatedUser.Choice.FIRST);
        assertThat(honest.compare(null, "What is 2+3?", "4", "6", random)).isEmpty();
    }

    @Test
    void drawsAReproduciblePopulationWithSpreadRatesAndLengthTastes() {
        PopulationConfig config = PopulationConfig.defaults();

        UserPopulation a = UserPopulation.draw(config);
        UserPopulation b = UserPopulation.draw(config);

        assertThat(a.users()).hasSize(50).isEqualTo(b.users());
        assertThat(a.users()).extracting(SimulatedUser::thumbsRate).allMatch(r -> r >= 0.4 && r <= 1.0);
        List<Integer> maxChars = a.users().stream()
                .map(u -> ((ChatTaste) u.tastes().chat()).maxChars())
                .toList();
        assertThat(maxChars).allMatch(m -> m >= 50 && m <= 70);
        assertThat(maxChars.stream().distinct().count()).isGreaterThan(5);
    }

    @Test
    void heldOutPanelIsAPureFunctionOfPromptAndCompletion() {
        UserPanel panel = UserPanel.heldOut(PopulationConfig.defaults(), 25);

        assertThat(panel.rate("What is 7+8?", "15")).isEqualTo(1.0);
        assertThat(panel.rate("What is 7+8?", "16")).isEqualTo(0.0);
        assertThat(panel.rate("Hi, I am Ana.", "Hello Ana, nice to meet you!"))
                .isEqualTo(panel.rate("Hi, I am Ana.", "Hello Ana, nice to meet you!"))
                .isEqualTo(1.0);
        // 55 characters: inside some members' length bound, outside others'.
        double partial = panel.rate("Hi, I am Ana.", "Hello Ana, nice to meet you, I hope your day goes well!");
        assertThat(partial).isStrictlyBetween(0.0, 1.0);
        assertThat(panel.approves("What is 7+8?", "15")).isTrue();
    }

    private static List<Optional<FeedbackKind>> rateRightAnswer(SimulatedUser user, Random random, int n) {
        return IntStream.range(0, n)
                .mapToObj(i -> user.rate("arithmetic", "What is 2+3?", "5", random))
                .toList();
    }
}
