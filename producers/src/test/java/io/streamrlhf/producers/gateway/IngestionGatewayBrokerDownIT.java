package io.streamrlhf.producers.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.localstack.junit.EmbeddedKafkaExtension;
import io.streamrlhf.producers.config.ClientConfig;
import io.streamrlhf.producers.config.GatewayConfig;
import io.streamrlhf.producers.config.KafkaConnection;
import io.streamrlhf.schemas.registry.InMemorySchemaRegistry;
import io.streamrlhf.schemas.topic.TopicNames;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * With the broker gone, the gateway answers 503 with Retry-After instead of hanging or dropping, and counts the
 * write Kafka never acknowledged ({@link IngestionGateway#ackTimeouts()}, served on /metrics as
 * {@code streamrlhf_gateway_requests_timed_out_total}).
 */
class IngestionGatewayBrokerDownIT {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static IngestionGateway gateway;

    @BeforeAll
    static void start() {
        KafkaConnection connection = KafkaConnection.of(KAFKA.bootstrapServers())
                .withTopics(TopicNames.defaults().withPrefix(KAFKA.uniquePrefix()));
        ClientConfig quick = GatewayConfig.gatewayClient(connection)
                .withTimeouts(Duration.ofSeconds(3), Duration.ofSeconds(1), Duration.ofSeconds(1));
        GatewayConfig config = GatewayConfig.defaults(Set.of(HttpCalls.KEY), connection)
                .withListener("127.0.0.1", 0)
                .withClient(quick)
                .withResponseIdCheck(GatewayConfig.ResponseIdCheck.OFF)
                .withPolicyVersionCheck(GatewayConfig.PolicyVersionCheck.OFF);
        // The registry is not under test, and the broker is stopped below: an in-memory one keeps it out of the way.
        gateway = new IngestionGateway(config, new InMemorySchemaRegistry()).start();
    }

    @AfterAll
    static void stop() {
        gateway.close();
    }

    @Test
    void answers503WithRetryAfterAndCountsTheAckTimeoutOnceTheBrokerIsStopped() {
        // given: the gateway works, and an acknowledged write is no timeout
        HttpCalls calls = new HttpCalls(gateway.baseUri());
        String feedback = "{'responseId':'r1','userId':'u','kind':'THUMBS_UP'}";
        assertThat(calls.post("/v1/feedback", feedback).statusCode()).isEqualTo(202);
        assertThat(gateway.ackTimeouts()).isZero();

        // when
        KAFKA.broker().stop();
        HttpResponse<String> answer = calls.post("/v1/feedback", feedback);

        // then
        assertThat(answer.statusCode()).isEqualTo(503);
        assertThat(answer.headers().firstValue("Retry-After")).contains("5");
        assertThat(answer.body()).contains("may still have been recorded");
        // and the write Kafka did not acknowledge (1 s delivery timeout) is counted, once
        assertThat(gateway.ackTimeouts()).isEqualTo(1);
    }
}
