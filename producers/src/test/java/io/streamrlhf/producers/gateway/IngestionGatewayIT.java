package io.streamrlhf.producers.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamrlhf.avro.Feedback;
import io.streamrlhf.avro.FeedbackKind;
import io.streamrlhf.avro.PairwisePreference;
import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.localstack.junit.EmbeddedKafkaExtension;
import io.streamrlhf.producers.TopicReader;
import io.streamrlhf.producers.client.ChatFeedbackClient;
import io.streamrlhf.producers.client.ChatResponse;
import io.streamrlhf.producers.client.PublishException;
import io.streamrlhf.producers.config.ClientConfig;
import io.streamrlhf.producers.config.GatewayConfig;
import io.streamrlhf.producers.config.KafkaConnection;
import io.streamrlhf.schemas.registry.SchemaRegistryClient;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.Topics;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The gateway on a real broker: accepted events land, refused ones produce nothing. */
class IngestionGatewayIT {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static SchemaRegistryClient registry;
    private static Topics topics;
    private static IngestionGateway gateway;
    private static HttpCalls calls;

    @BeforeAll
    static void start() {
        registry = KAFKA.schemaRegistryClient();
        KafkaConnection connection = KafkaConnection.of(KAFKA.bootstrapServers())
                .withTopics(TopicNames.defaults().withPrefix(KAFKA.uniquePrefix()));
        topics = new Topics(connection.topics(), registry);
        GatewayConfig config = GatewayConfig.defaults(Set.of(HttpCalls.KEY), connection)
                .withListener("127.0.0.1", 0)
                .withPolicyVersionCheck(GatewayConfig.PolicyVersionCheck.OFF);
        gateway = new IngestionGateway(config, registry).start();
        calls = new HttpCalls(gateway.baseUri());
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    @Test
    void acceptedEventsLandAndEveryRefusedRequestProducesNothing() {
        // given: refusals of every kind, before and between valid requests
        List<HttpResponse<String>> refused = List.of(
                calls.post("/v1/responses", "{'promptId':'p','prompt':'x','completion':'y','stars':3}"),
                calls.post("/v1/responses", "{'promptId':'p','prompt':'x','completion':7}"),
                calls.post("/v1/responses", "{'promptId':'p','prompt':'x'}"),
                calls.post("/v1/responses", "{'promptId':'p','prompt':'x','completion':'" + "z".repeat(70_000) + "'}"),
                calls.send(calls.request("/v1/responses")
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{}"))
                        .build()),
                calls.post("/v1/feedback", "{'responseId':'ghost','userId':'u','kind':'THUMBS_UP'}"),
                calls.post("/v1/feedback", "{'responseId':'r-ok','userId':'u','kind':'MEH'}"),
                calls.post(
                        "/v1/preferences", "{'promptId':'p-ok','chosenResponseId':'r-ok','rejectedResponseId':'x'}"));

        // when: valid events
        HttpResponse<String> first = calls.post(
                "/v1/responses",
                "{'responseId':'r-ok','promptId':'p-ok','prompt':'What is 1+2?','completion':'3','task':'arithmetic'}");
        HttpResponse<String> second = calls.post(
                "/v1/responses", "{'responseId':'r-bad','promptId':'p-ok','prompt':'What is 1+2?','completion':'4'}");
        HttpResponse<String> thumbs =
                calls.post("/v1/feedback", "{'responseId':'r-ok','userId':'u-1','kind':'THUMBS_UP','comment':'right'}");
        HttpResponse<String> preference = calls.post(
                "/v1/preferences",
                "{'promptId':'p-ok','chosenResponseId':'r-ok','rejectedResponseId':'r-bad','userId':'u-1'}");

        // then
        assertThat(refused)
                .extracting(HttpResponse::statusCode)
                .containsExactly(400, 400, 400, 413, 401, 422, 400, 422);
        assertThat(List.of(first, second, thumbs, preference))
                .extracting(HttpResponse::statusCode)
                .containsOnly(202);
        try (TopicReader<ResponseGenerated> responses =
                        new TopicReader<>(KAFKA.bootstrapServers(), topics.responses());
                TopicReader<Feedback> feedback = new TopicReader<>(KAFKA.bootstrapServers(), topics.feedback());
                TopicReader<PairwisePreference> prefs =
                        new TopicReader<>(KAFKA.bootstrapServers(), topics.preferences())) {
            assertThat(responses.awaitKey("r-bad"))
                    .extracting(ConsumerRecord::key)
                    .containsExactly("r-ok", "r-bad");
            List<ConsumerRecord<String, Feedback>> f = feedback.awaitKey("r-ok");
            assertThat(f).hasSize(1);
            assertThat(f.get(0).value().getKind()).isEqualTo(FeedbackKind.THUMBS_UP);
            assertThat(f.get(0).value().getComment()).isEqualTo("right");
            List<ConsumerRecord<String, PairwisePreference>> p = prefs.awaitKey("p-ok");
            assertThat(p).hasSize(1);
            assertThat(p.get(0).value().getChosenResponseId()).isEqualTo("r-ok");
        }
    }

    @Test
    void acceptsFeedbackForAResponseRecordedAnotherWayOnceItsTailHasSeenIt() {
        // given: a response written straight to Kafka by the Java client, not through the gateway
        KafkaConnection connection =
                KafkaConnection.of(KAFKA.bootstrapServers()).withTopics(topics.names());
        try (ChatFeedbackClient direct = new ChatFeedbackClient(ClientConfig.defaults(connection), registry)) {
            PublishException.await(
                    direct.recordResponse(ChatResponse.of("p-direct", "Hello!", "Hello! How can I help?")
                            .withResponseId("r-direct")),
                    30_000);
        }

        // when / then: the gateway's tail of the responses topic learns the id
        await().atMost(Duration.ofSeconds(30))
                .until(() -> calls.post("/v1/feedback", "{'responseId':'r-direct','userId':'u-2','kind':'THUMBS_UP'}")
                                .statusCode()
                        == 202);
        try (TopicReader<Feedback> feedback = new TopicReader<>(KAFKA.bootstrapServers(), topics.feedback())) {
            assertThat(feedback.awaitKey("r-direct"))
                    .extracting(ConsumerRecord::key)
                    .containsOnlyOnce("r-direct");
        }
    }
}
