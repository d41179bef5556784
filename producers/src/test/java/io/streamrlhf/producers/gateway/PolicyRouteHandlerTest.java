package io.streamrlhf.producers.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamrlhf.avro.CanaryDecision;
import io.streamrlhf.avro.DecisionOutcome;
import io.streamrlhf.producers.MockKafka;
import io.streamrlhf.producers.config.GatewayConfig;
import io.streamrlhf.producers.config.KafkaConnection;
import io.streamrlhf.producers.routing.PolicyRouter;
import io.streamrlhf.producers.routing.RoutingTable;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code GET /v1/policy} on a running gateway, over routes built from decisions. */
class PolicyRouteHandlerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final RoutingTable table = new RoutingTable();
    private final AtomicBoolean ready = new AtomicBoolean(true);
    private IngestionGateway gateway;
    private HttpCalls calls;

    private void start(double share) {
        GatewayConfig config = GatewayConfig.defaults(Set.of(HttpCalls.KEY), KafkaConnection.of("unused:9092"))
                .withListener("127.0.0.1", 0)
                .withResponseIdCheck(GatewayConfig.ResponseIdCheck.OFF)
                .withPolicyVersionCheck(GatewayConfig.PolicyVersionCheck.OFF);
        gateway = new IngestionGateway(config, new MockKafka(true).client())
                .servePolicyRoutes(new PolicyRouter(table, share), "policy", ready::get)
                .start();
        calls = new HttpCalls(gateway.baseUri());
    }

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    private void decide(long version, DecisionOutcome outcome) {
        table.apply(CanaryDecision.newBuilder()
                .setDecisionId("policy/" + version + "/" + outcome)
                .setModelId("policy")
                .setVersion(version)
                .setOutcome(outcome)
                .setStartedTime(Instant.EPOCH)
                .setDecidedTime(Instant.EPOCH)
                .build());
    }

    private HttpResponse<String> get(String query, String key) {
        var request = calls.request("/v1/policy" + query).GET();
        if (key != null) {
            request.header(ApiKeys.HEADER, key);
        }
        return calls.send(request.build());
    }

    @Test
    void answersThePromotedVersionOrTheCanaryStickyPerUser() throws Exception {
        start(1.0);
        decide(0, DecisionOutcome.PROMOTED);
        JsonNode before = JSON.readTree(get("?userId=u%2F1", HttpCalls.KEY).body());
        assertThat(before.get("version").asLong()).isZero();
        assertThat(before.get("userId").asText()).isEqualTo("u/1");
        assertThat(before.get("canary").asBoolean()).isFalse();

        decide(1, DecisionOutcome.STARTED);
        JsonNode during = JSON.readTree(get("?userId=u%2F1", HttpCalls.KEY).body());
        assertThat(during.get("version").asLong()).isEqualTo(1);
        assertThat(during.get("canary").asBoolean()).isTrue();
        assertThat(during.get("promoted").asLong()).isZero();

        decide(1, DecisionOutcome.ROLLED_BACK);
        assertThat(JSON.readTree(get("?userId=u%2F1", HttpCalls.KEY).body())
                        .get("version")
                        .asLong())
                .isZero();
    }

    @Test
    void refusesWithoutAKeyOrAUserIdAndWaitsForTheFirstDecision() {
        start(0.1);
        assertThat(get("?userId=u1", null).statusCode()).isEqualTo(401);
        assertThat(get("?userId=u1", "wrong-key-000000").statusCode()).isEqualTo(401);
        assertThat(get("", HttpCalls.KEY).statusCode()).isEqualTo(400);
        assertThat(get("?userId=u1", HttpCalls.KEY).statusCode()).isEqualTo(503);
        decide(0, DecisionOutcome.PROMOTED);
        ready.set(false);
        assertThat(get("?userId=u1", HttpCalls.KEY).statusCode()).isEqualTo(503);
        ready.set(true);
        assertThat(get("?userId=u1", HttpCalls.KEY).statusCode()).isEqualTo(200);
    }
}
