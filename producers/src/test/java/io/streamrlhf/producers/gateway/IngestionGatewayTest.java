package io.streamrlhf.producers.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamrlhf.producers.MockKafka;
import io.streamrlhf.producers.config.GatewayConfig;
import io.streamrlhf.producers.config.KafkaConnection;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.BufferExhaustedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The gateway's HTTP contract on a mock producer: statuses, reasons, and nothing produced when refused. */
class IngestionGatewayTest {

    private static final String RESPONSE = "{'promptId':'p1','prompt':'What is 1+1?','completion':'2'}";

    private MockKafka kafka;
    private IngestionGateway gateway;
    private HttpCalls calls;

    private void startGateway(boolean autoComplete, GatewayConfig.ResponseIdCheck check) {
        kafka = new MockKafka(autoComplete);
        GatewayConfig config = GatewayConfig.defaults(Set.of(HttpCalls.KEY), KafkaConnection.of("unused:9092"))
                .withListener("127.0.0.1", 0)
                .withResponseIdCheck(check);
        gateway = new IngestionGateway(config, kafka.client()).start();
        calls = new HttpCalls(gateway.baseUri());
    }

    @AfterEach
    void stop() {
        gateway.close();
    }

    @Test
    void answers202WithTheResponseIdAfterTheWriteIsAcknowledged() {
        startGateway(true, GatewayConfig.ResponseIdCheck.RECENT);

        HttpResponse<String> answer = calls.post("/v1/responses", RESPONSE);

        assertThat(answer.statusCode()).isEqualTo(202);
        String id = kafka.sent(kafka.topics.responses()).get(0).key();
        assertThat(answer.body()).contains("\"responseId\":\"" + id + "\"");
    }

    @Test
    void refusesRequestsWithoutAValidApiKeyWith401AndProducesNothing() {
        startGateway(true, GatewayConfig.ResponseIdCheck.OFF);

        HttpResponse<String> none = calls.send(calls.request("/v1/responses")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(RESPONSE.replace('\'', '"')))
                .build());
        HttpResponse<String> wrong = calls.send(calls.request("/v1/responses")
                .header(ApiKeys.HEADER, "nope-nope-nope")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(RESPONSE.replace('\'', '"')))
                .build());

        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(kafka.producer.history()).isEmpty();
    }

    @Test
    void refusesInvalidBodiesWith400AndAReasonAndProducesNothing() {
        startGateway(true, GatewayConfig.ResponseIdCheck.OFF);

        HttpResponse<String> unknown =
                calls.post("/v1/feedback", "{'responseId':'r','userId':'u','kind':'THUMBS_UP','extra':1}");
        HttpResponse<String> wrongType =
                calls.post("/v1/responses", "{'promptId':'p','prompt':'x','completion':'y','policyVersion':'one'}");
        HttpResponse<String> missing = calls.post("/v1/preferences", "{'promptId':'p','chosenResponseId':'a'}");

        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(unknown.body()).contains("unknown field(s) [extra]");
        assertThat(wrongType.statusCode()).isEqualTo(400);
        assertThat(wrongType.body()).contains("policyVersion");
        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(missing.body()).contains("missing field 'rejectedResponseId'");
        assertThat(kafka.producer.history()).isEmpty();
    }

    @Test
    void refusesOversizeBodiesWith413AndTheClientReadsTheAnswer() {
        startGateway(true, GatewayConfig.ResponseIdCheck.OFF);
        String big = "{'promptId':'p','prompt':'x','completion':'" + "y".repeat(300_000) + "'}";

        // Repeated: the answer must not race the client still sending its body.
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> answer = calls.post("/v1/responses", big);

            assertThat(answer.statusCode()).isEqualTo(413);
            assertThat(answer.body()).contains("exceeds the limit of 65536");
        }
        assertThat(kafka.producer.history()).isEmpty();
    }

    @Test
    void refusesWrongContentTypeMethodAndPath() {
        startGateway(true, GatewayConfig.ResponseIdCheck.OFF);

        HttpResponse<String> text = calls.send(calls.request("/v1/feedback")
                .header(ApiKeys.HEADER, HttpCalls.KEY)
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build());
        HttpResponse<String> get = calls.send(calls.request("/v1/feedback")
                .header(ApiKeys.HEADER, HttpCalls.KEY)
                .GET()
                .build());
        HttpResponse<String> nowhere = calls.post("/v2/feedback", "{}");

        assertThat(text.statusCode()).isEqualTo(415);
        assertThat(get.statusCode()).isEqualTo(405);
        assertThat(nowhere.statusCode()).isEqualTo(404);
        assertThat(kafka.producer.history()).isEmpty();
    }

    @Test
    void refusesFeedbackForAResponseItNeverSawWith422WhenChecking() {
        startGateway(true, GatewayConfig.ResponseIdCheck.RECENT);

        HttpResponse<String> answer =
                calls.post("/v1/feedback", "{'responseId':'never-seen','userId':'u','kind':'THUMBS_UP'}");

        assertThat(answer.statusCode()).isEqualTo(422);
        assertThat(answer.body()).contains("unknown responseId 'never-seen'");
        assertThat(kafka.producer.history()).isEmpty();
    }

    @Test
    void acceptsFeedbackAndPreferencesForResponsesItRecorded() {
        // given
        startGateway(true, GatewayConfig.ResponseIdCheck.RECENT);
        calls.post("/v1/responses", "{'responseId':'a','promptId':'p1','prompt':'Hi, I am Ana.','completion':'Hi!'}");
        calls.post("/v1/responses", "{'responseId':'b','promptId':'p1','prompt':'Hi, I am Ana.','completion':'ok'}");
        calls.post("/v1/responses", "{'responseId':'c','promptId':'p2','prompt':'Hi, I am Ben.','completion':'ok'}");

        // when
        HttpResponse<String> feedback =
                calls.post("/v1/feedback", "{'responseId':'a','userId':'u','kind':'THUMBS_UP'}");
        HttpResponse<String> preference = calls.post(
                "/v1/preferences", "{'promptId':'p1','chosenResponseId':'a','rejectedResponseId':'b','userId':'u'}");
        HttpResponse<String> crossPrompt =
                calls.post("/v1/preferences", "{'promptId':'p1','chosenResponseId':'a','rejectedResponseId':'c'}");

        // then
        assertThat(feedback.statusCode()).isEqualTo(202);
        assertThat(feedback.body()).contains("feedbackId");
        assertThat(preference.statusCode()).isEqualTo(202);
        assertThat(crossPrompt.statusCode()).isEqualTo(422);
        assertThat(kafka.sent(kafka.topics.feedback())).hasSize(1);
        assertThat(kafka.sent(kafka.topics.preferences())).hasSize(1);
    }

    @Test
    void answers429WithRetryAfterWhenTheProducerBufferIsFull() {
        startGateway(false, GatewayConfig.ResponseIdCheck.OFF);
        CompletableFuture<HttpResponse<String>> answer = CompletableFuture.supplyAsync(
                () -> calls.post("/v1/feedback", "{'responseId':'r','userId':'u','kind':'THUMBS_UP'}"));

        await().until(() -> kafka.producer.history().size() == 1);
        kafka.producer.errorNext(new BufferExhaustedException("full"));

        assertThat(answer.join().statusCode()).isEqualTo(429);
        assertThat(answer.join().headers().firstValue("Retry-After")).contains("1");
    }

    @Test
    void answers503WithRetryAfterWhenKafkaDoesNotAcknowledge() {
        startGateway(false, GatewayConfig.ResponseIdCheck.OFF);
        CompletableFuture<HttpResponse<String>> answer = CompletableFuture.supplyAsync(
                () -> calls.post("/v1/feedback", "{'responseId':'r','userId':'u','kind':'THUMBS_UP'}"));

        await().until(() -> kafka.producer.history().size() == 1);
        kafka.producer.errorNext(new TimeoutException("Expiring 1 record(s): delivery timeout"));

        assertThat(answer.join().statusCode()).isEqualTo(503);
        assertThat(answer.join().headers().firstValue("Retry-After")).contains("5");
        assertThat(answer.join().body()).contains("nothing was recorded");
    }

    @Test
    void answersHealthChecksWithoutAKey() {
        startGateway(true, GatewayConfig.ResponseIdCheck.OFF);

        assertThat(calls.send(calls.request("/healthz").GET().build()).statusCode())
                .isEqualTo(200);
    }
}
