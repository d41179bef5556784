package io.streamrlhf.producers.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrlhf.avro.FeedbackKind;
import io.streamrlhf.producers.client.ChatResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RequestParserTest {

    private final RequestParser parser = new RequestParser();

    private static byte[] json(String s) {
        return s.replace('\'', '"').getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void parsesAResponseWithOptionalFields() {
        ChatResponse r = parser.parseResponse(
                json("{'promptId':'p1','prompt':'What is 1+1?','completion':'2','policyVersion':3,'userId':'u',"
                        + "'task':'arithmetic','conversationId':null}"));

        assertThat(r.promptId()).isEqualTo("p1");
        assertThat(r.policyVersion()).isEqualTo(3);
        assertThat(r.responseId()).isNull();
        assertThat(r.conversationId()).isNull();
        assertThat(r.task()).isEqualTo("arithmetic");
    }

    @Test
    void parsesFeedbackAndPreference() {
        FeedbackRequest f = parser.parseFeedback(json("{'responseId':'r1','userId':'u1','kind':'THUMBS_DOWN'}"));
        PreferenceRequest p =
                parser.parsePreference(json("{'promptId':'p','chosenResponseId':'a','rejectedResponseId':'b'}"));

        assertThat(f.kind()).isEqualTo(FeedbackKind.THUMBS_DOWN);
        assertThat(p.chosenResponseId()).isEqualTo("a");
        assertThat(p.userId()).isNull();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(
            delimiter = '|',
            value = {
                "unknown field            | {'responseId':'r','userId':'u','kind':'THUMBS_UP','stars':5} | unknown field(s) [stars]",
                "missing field            | {'responseId':'r','kind':'THUMBS_UP'}                        | missing field 'userId'",
                "wrong type               | {'responseId':7,'userId':'u','kind':'THUMBS_UP'}             | 'responseId' must be a string, was number",
                "unknown kind             | {'responseId':'r','userId':'u','kind':'LOVE'}                | must be one of",
                "blank id                 | {'responseId':'  ','userId':'u','kind':'THUMBS_UP'}          | non-blank id",
                "duplicate field          | {'responseId':'r','responseId':'s','userId':'u','kind':'THUMBS_UP'} | malformed JSON",
                "malformed                | {'responseId':                                               | malformed JSON",
                "array                    | ['responseId']                                               | must be a JSON object",
                "trailing garbage         | {'responseId':'r','userId':'u','kind':'THUMBS_UP'} x         | malformed JSON",
            })
    void refusesBadFeedbackWith400AndAReason(String name, String body, String reason) {
        assertThatThrownBy(() -> parser.parseFeedback(json(body)))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.getMessage()).contains(reason);
                });
    }

    @Test
    void refusesANonIntegerPolicyVersion() {
        assertThatThrownBy(() -> parser.parseResponse(
                        json("{'promptId':'p','prompt':'x','completion':'y','policyVersion':'3'}")))
                .hasMessageContaining("'policyVersion' must be an integer, was string");
        assertThatThrownBy(() -> parser.parseResponse(
                        json("{'promptId':'p','prompt':'x','completion':'y','policyVersion':1.5}")))
                .hasMessageContaining("'policyVersion' must be an integer");
    }

    @Test
    void refusesAnEmptyBody() {
        assertThatThrownBy(() -> parser.parseResponse(new byte[0])).hasMessageContaining("empty body");
    }

    @Test
    void refusesAPreferenceForTheSameResponseTwiceWith422() {
        assertThatThrownBy(() -> parser.parsePreference(
                        json("{'promptId':'p','chosenResponseId':'a','rejectedResponseId':'a'}")))
                .isInstanceOfSatisfying(
                        InvalidRequestException.class,
                        e -> assertThat(e.status()).isEqualTo(422));
    }
}
