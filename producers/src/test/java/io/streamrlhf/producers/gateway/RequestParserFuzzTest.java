package io.streamrlhf.producers.gateway;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * The gateway's request parser over arbitrary bodies: each of its three parsers accepts a body or refuses it
 * with an {@link InvalidRequestException}; any other exception is a bug. Regression inputs:
 * {@code src/test/resources/io/streamrlhf/producers/gateway/RequestParserFuzzTestInputs}.
 */
class RequestParserFuzzTest {

    private final RequestParser parser = new RequestParser();

    @FuzzTest(maxDuration = "3m")
    void parsesOrRefusesWithAnInvalidRequestException(byte[] body) {
        try {
            parser.parseResponse(body);
        } catch (InvalidRequestException expected) {
            // the documented refusal
        }
        try {
            parser.parseFeedback(body);
        } catch (InvalidRequestException expected) {
            // the documented refusal
        }
        try {
            parser.parsePreference(body);
        } catch (InvalidRequestException expected) {
            // the documented refusal
        }
    }
}
