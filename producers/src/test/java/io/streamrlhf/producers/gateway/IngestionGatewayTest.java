package io.streamrlhf.producers.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamrlhf.producers.MockKafka;
import io.streamrlhf.producers.TickingClock;
import io.streamrlhf.producers.client.ChatFeedbackClient;
import io.streamrlhf.producers.config.GatewayConfig;
import io.streamrlhf.producers.config.KafkaConnection;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
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
        startGateway(check, kafka.client());
    }

    /** A gateway whose events take their time from a moving clock: a rebuilt event would differ from the first. */
    private void startMovingGateway(boolean autoComplete) {
        kafka = new MockKafka(autoComplete);
        startGateway(
                GatewayConfig.ResponseIdCheck.OFF,
                new ChatFeedbackClient(
                        kafka.publisher, kafka.topics, new TickingClock(Instant.parse("2026-12-07T10:00:00Z"))));
    }

    private void startGateway(GatewayConfig.ResponseIdCheck check, ChatFeedbackClient client) {
        GatewayConfig config = GatewayConfig.defaults(Set.of(HttpCalls.KEY), KafkaConnection.of("unused:9092"))
                .withListener("127.0.0.1", 0)
                .withResponseIdCheck(check)
                .withPolicyVersionCheck(GatewayConfig.PolicyVersionCheck.OFF);
        gateway = new IngestionGateway(config, client).start();
        calls = new HttpCalls(gateway.baseUri());
    }

    private static final String ERASE_KEY = "test-erase-key-1-0123456789abcdefghij";

    private void startErasingGateway() {
        kafka = new MockKafka(true);
        GatewayConfig config = GatewayConfig.defaults(Set.of(HttpCalls.KEY), KafkaConnection.of("unused:9092"))
                .withListener("127.0.0.1", 0)
                .withResponseIdCheck(GatewayConfig.ResponseIdCheck.OFF)
                .withPolicyVersionCheck(GatewayConfig.PolicyVersionCheck.OFF)
                .withEraseApiKeys(Set.of(ERASE_KEY));
        gateway = new IngestionGateway(config, kafka.client()).start();
        calls = new HttpCalls(gateway.baseUri());
    }

    private HttpResponse<String> delete(String path, String apiKey) {
        HttpRequest.Builder request = calls.request(path).DELETE();
        if (apiKey != null) {
            request.header(ApiKeys.HEADER, apiKey);
        }
        return calls.send(request.build());
    }

    @Test
    void deleteWithAnEraseScopedKeyPublishesAnErasureKeyedByTheUserAndAnswersItsRequestId() {
        startErasingGateway();

        HttpResponse<String> answer = delete("/v1/users/user%2F42%20x", ERASE_KEY);

        assertThat(answer.statusCode()).isEqualTo(202);
        var sent = kafka.sent(kafka.topics.erasures());
        assertThat(sent).hasSize(1);
        // the plain keys' tenant is "default": the erasure names the user as that tenant's events carry it
        assertThat(sent.get(0).key()).isEqualTo("default:user/42 x");
        assertThat(sent.get(0).value().getUserId()).isEqualTo("default:user/42 x");
        assertThat(answer.body())
                .contains("\"requestId\":\"" + sent.get(0).value().getRequestId() + "\"");
    }

    @Test
    void deleteWithAnOrdinaryKeyIsForbiddenAndWritesNothing() {
        startErasingGateway();

        HttpResponse<String> answer = delete("/v1/users/u-1", HttpCalls.KEY);

        assertThat(answer.statusCode()).isEqualTo(403);
        assertThat(answer.body()).contains("erase scope");
        assertThat(kafka.producer.history()).isEmpty();
    }

    @Test
    void deleteWithoutAKeyIsUnauthorizedAndWithoutAnyEraseKeyConfiguredIsForbidden() {
        startGateway(true, GatewayConfig.ResponseIdCheck.OFF);

        assertThat(delete("/v1/users/u-1", null).statusCode()).isEqualTo(401);
        assertThat(delete("/v1/users/u-1", HttpCalls.KEY).statusCode()).isEqualTo(403);
        assertThat(kafka.producer.history()).isEmpty();
    }

    @Test
    void usersEndpointRefusesOtherMethodsAndShapes() {
        startErasingGateway();

        HttpResponse<String> post = calls.send(calls.request("/v1/users/u-1")
                .header(ApiKeys.HEADER, ERASE_KEY)
                .POST(HttpRequest.BodyPublishers.noBody())
                .build());
        HttpResponse<String> nested = delete("/v1/users/u-1/votes", ERASE_KEY);
        HttpResponse<String> empty = delete("/v1/users/", ERASE_KEY);

        assertThat(post.statusCode()).isEqualTo(405);
        assertThat(nested.statusCode()).isEqualTo(404);
        assertThat(empty.statusCode()).isEqualTo(404);
        assertThat(kafka.producer.history()).isEmpty();
    }

    private HttpResponse<String> postWithKey(String path, String key, String json) {
        return calls.send(calls.request(path)
                .header(ApiKeys.HEADER, HttpCalls.KEY)
                .header("Content-Type", "application/json")
                .header(IngestionGateway.IDEMPOTENCY_KEY_HEADER, key)
                .POST(HttpRequest.BodyPublishers.ofString(json.replace('\'', '"')))
                .build());
    }

    @Test
    void aRetryWithTheSameIdempotencyKeyIsAnsweredFromTheFirstWriteAndWritesNothing() {
        startMovingGateway(true);
        String vote = "{'responseId':'r','userId':'u','kind':'THUMBS_UP'}";

        HttpResponse<String> first = postWithKey("/v1/feedback", "key-0001", vote);
        HttpResponse<String> retry = postWithKey("/v1/feedback", "key-0001", vote);

        assertThat(first.statusCode()).isEqualTo(202);
        assertThat(first.body()).contains("\"feedbackId\":\"key-0001\"");
        assertThat(first.headers().firstValue(IngestionGateway.REPLAYED_HEADER)).isEmpty();
        assertThat(retry.statusCode()).isEqualTo(202);
        assertThat(retry.body()).isEqualTo(first.body());
        assertThat(retry.headers().firstValue(IngestionGateway.REPLAYED_HEADER)).contains("true");
        assertThat(kafka.sent(kafka.topics.feedback())).hasSize(1);
    }

    @Test
    void aBodyIdActsAsTheIdempotencyKeyWhenNoHeaderIsSent() {
        startMovingGateway(true);
        String vote = "{'responseId':'r','userId':'u','kind':'THUMBS_UP','feedbackId':'f-9'}";

        assertThat(calls.post("/v1/feedback", vote).statusCode()).isEqualTo(202);
        HttpResponse<String> retry = calls.post("/v1/feedback", vote);

        assertThat(retry.statusCode()).isEqualTo(202);
        assertThat(retry.headers().firstValue(IngestionGateway.REPLAYED_HEADER)).contains("true");
        assertThat(kafka.sent(kafka.topics.feedback())).hasSize(1);
    }

    @Test
    void theSameKeyWithAnotherBodyIsRefusedWith422() {
        startMovingGateway(true);

        postWithKey("/v1/feedback", "key-0002", "{'responseId':'r','userId':'u','kind':'THUMBS_UP'}");
        HttpResponse<String> other =
                postWithKey("/v1/feedback", "key-0002", "{'responseId':'r','userId':'u','kind':'THUMBS_DOWN'}");

        assertThat(other.statusCode()).isEqualTo(422);
        assertThat(other.body()).contains("used before with another request body");
        assertThat(kafka.sent(kafka.topics.feedback())).hasSize(1);
    }

    @Test
    void keysAreKeptPerEndpoint() {
        startMovingGateway(true);

        postWithKey("/v1/responses", "key-0003", RESPONSE);
        HttpResponse<String> feedback =
                postWithKey("/v1/feedback", "key-0003", "{'responseId':'key-0003','userId':'u','kind':'THUMBS_UP'}");

        assertThat(feedback.statusCode()).isEqualTo(202);
        assertThat(kafka.sent(kafka.topics.responses()).get(0).key()).isEqualTo("key-0003");
        assertThat(kafka.sent(kafka.topics.feedback())).hasSize(1);
    }

    @Test
    void anInvalidIdempotencyKeyIsRefusedWith400() {
        startMovingGateway(true);

        HttpResponse<String> answer =
                postWithKey("/v1/feedback", "x".repeat(256), "{'responseId':'r','userId':'u','kind':'THUMBS_UP'}");

        assertThat(answer.statusCode()).isEqualTo(400);
        assertThat(kafka.producer.history()).isEmpty();
    }

    @Test
    void afterA503TheRetryWithTheSameKeySendsTheSameEventAgain() {
        startMovingGateway(false);
        String vote = "{'responseId':'r','userId':'u','kind':'THUMBS_DOWN'}";
        CompletableFuture<HttpResponse<String>> first =
                CompletableFuture.supplyAsync(() -> postWithKey("/v1/feedback", "key-0004", vote));
        await().until(() -> kafka.producer.history().size() == 1);
        kafka.producer.errorNext(new TimeoutException("Expiring 1 record(s): delivery timeout"));
        assertThat(first.join().statusCode()).isEqualTo(503);
        assertThat(first.join().body()).contains("may still have been recorded").contains("key-0004");
        assertThat(first.join().headers().firstValue(IngestionGateway.EVENT_ID_HEADER))
                .contains("key-0004");

        CompletableFuture<HttpResponse<String>> retry =
                CompletableFuture.supplyAsync(() -> postWithKey("/v1/feedback", "key-0004", vote));
        await().until(() -> kafka.producer.history().size() == 2);
        kafka.producer.completeNext();

        assertThat(retry.join().statusCode()).isEqualTo(202);
        var history = kafka.producer.history();
        assertThat(history.get(1).value()).isEqualTo(history.get(0).value());
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
        assertThat(answer.join().body())
                .contains("may still have been recorded")
                .contains("Retrying is safe with the same feedbackId");
        String id = kafka.sent(kafka.topics.feedback()).get(0).value().getFeedbackId();
        assertThat(answer.join().headers().firstValue(IngestionGateway.EVENT_ID_HEADER))
                .contains(id);
    }

    @Test
    void answersHealthChecksWithoutAKey() {
        startGateway(true, GatewayConfig.ResponseIdCheck.OFF);

        assertThat(calls.send(calls.request("/healthz").GET().build()).statusCode())
                .isEqualTo(200);
    }
}
