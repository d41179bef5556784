package io.streamrlhf.streams.redaction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
}
