package io.streamrlhf.streams.redaction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class RedactorTest {

    private final Redactor redactor = Redactor.defaults();

    @Test
    void replacesAnEmailAddressAPhoneNumberAndACardNumberAndCountsThree() {
        Redactor.Result r = redactor.apply(
                "Write to jane.doe+rlhf@example.co.uk or call +44 20 7946 0958; card 4111 1111 1111 1111 please.");

        assertThat(r.text())
                .isEqualTo("Write to [REDACTED_EMAIL] or call [REDACTED_PHONE]; card [REDACTED_CARD] please.");
        assertThat(r.redactions()).isEqualTo(3);
    }

    @Test
    void leavesArithmeticAndPlainNumbersAlone() {
        for (String text : new String[] {"12 + 34 = 46", "The answer is 1234567.", "3.14159", "2026-12-07", "-42"}) {
            assertThat(redactor.apply(text).text()).as(text).isEqualTo(text);
            assertThat(redactor.apply(text).redactions()).as(text).isZero();
        }
    }

    @Test
    void aLongCompletionWithoutPersonalDataPassesInOneScanNotOnePerCharacter() {
        // A quadratic pattern took minutes here (and stalled a stream thread); the bound is generous on purpose.
        String text = "a".repeat(200_000) + " 1".repeat(50_000);

        Redactor.Result r = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                java.time.Duration.ofSeconds(20), () -> redactor.apply(text));

        assertThat(r.redactions()).isZero();
    }

    @Test
    void findsDashedCardsAndPhoneNumbersWithAnAreaCodeInBrackets() {
        assertThat(redactor.apply("5500-0000-0000-0004").text()).isEqualTo("[REDACTED_CARD]");
        assertThat(redactor.apply("call (555) 123-4567 now").text()).isEqualTo("call [REDACTED_PHONE] now");
    }

    @Test
    void anEmptyPatternTurnsItsKindOffAndABadOneNamesItsSetting() {
        Redactor emailsOnly = Redactor.of(Redactor.DEFAULT_EMAIL, "", "");

        assertThat(emailsOnly.apply("a@b.io, +1 555 123 4567").text()).isEqualTo("[REDACTED_EMAIL], +1 555 123 4567");
        assertThat(Redactor.of("", "", "").enabled()).isFalse();
        assertThatThrownBy(() -> Redactor.of("(", "", "")).hasMessageContaining("redaction.email");
    }

    @Test
    void findsAPhoneNumberOfEightDigitsAndACardNumberOfThirteenTheFewestTheirPatternsTake() {
        assertThat(redactor.apply("call 12 345 678 now").text()).isEqualTo("call [REDACTED_PHONE] now");
        assertThat(redactor.apply("card 1234 5678 9012 3 ok").text()).isEqualTo("card [REDACTED_CARD] ok");
        assertThat(redactor.apply("x@y.io").text()).isEqualTo("[REDACTED_EMAIL]");
    }

    @Test
    void redactsRandomTextsExactlyAsTheDefaultPatternsAppliedInTurnDo() {
        // The plain definition: each default pattern over the whole text, cards, then e-mails, then phones.
        Pattern card = Pattern.compile(Redactor.DEFAULT_CARD);
        Pattern email = Pattern.compile(Redactor.DEFAULT_EMAIL);
        Pattern phone = Pattern.compile(Redactor.DEFAULT_PHONE);
        // Made of the pieces the patterns are made of (digit groups, separators, brackets, parts of addresses),
        // so that many texts hold a match or come close to one.
        String[] pieces = {" ", " ", "-", " ", "-", ".", "(", ")", "+", "ab@x.io", "@", "ab", "x.io", "_", "a1"};
        int[] groups = {1, 2, 3, 4, 4, 4, 4, 5};
        Random random = new Random(42);
        Map<String, Integer> found = new TreeMap<>();
        for (int i = 0; i < 20_000; i++) {
            StringBuilder text = new StringBuilder();
            for (int n = random.nextInt(16); n > 0; n--) {
                if (random.nextInt(4) > 0) {
                    for (int d = groups[random.nextInt(groups.length)]; d > 0; d--) {
                        text.append((char) ('0' + random.nextInt(10)));
                    }
                    text.append(" -.".charAt(random.nextInt(3)));
                } else {
                    text.append(pieces[random.nextInt(pieces.length)]);
                }
            }
            String expected = phone.matcher(email.matcher(card.matcher(text).replaceAll("[REDACTED_CARD]"))
                            .replaceAll("[REDACTED_EMAIL]"))
                    .replaceAll("[REDACTED_PHONE]");

            Redactor.Result r = redactor.apply(text.toString());

            assertThat(r.text()).as(text.toString()).isEqualTo(expected);
            for (String kind : new String[] {"CARD", "EMAIL", "PHONE"}) {
                if (expected.contains("[REDACTED_" + kind + "]")) {
                    found.merge(kind, 1, Integer::sum);
                }
            }
        }
        // The texts must reach every kind, or the comparison proves little.
        assertThat(found).as("texts with each kind").containsOnlyKeys("CARD", "EMAIL", "PHONE");
        assertThat(found.values()).as("texts with each kind " + found).allMatch(n -> n >= 100);
    }
}
