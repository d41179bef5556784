package io.streamrlhf.app.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class OpsServerTest {

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private HttpResponse<String> get(OpsServer server, String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                        .timeout(Duration.ofSeconds(10))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static Supervisor.Report report(String name, Supervisor.Status status, ComponentHealth health) {
        return new Supervisor.Report(name, status, health, 0, 0, "");
    }

    @Test
    void readyIs503WhileAnyComponentIsNotReadyAndLiveStays200() throws Exception {
        AtomicReference<List<Supervisor.Report>> reports = new AtomicReference<>(List.of(
                report("streams", Supervisor.Status.RUNNING, ComponentHealth.notReady("REBALANCING", "not RUNNING")),
                report("trainer", Supervisor.Status.RUNNING, ComponentHealth.ready("RUNNING"))));
        try (OpsServer server = new OpsServer("127.0.0.1", 0, reports::get, () -> "")) {
            HttpResponse<String> ready = get(server, "/health/ready");
            assertThat(ready.statusCode()).isEqualTo(503);
            JsonNode body = new ObjectMapper().readTree(ready.body());
            assertThat(body.get("status").asText()).isEqualTo("DOWN");
            assertThat(body.get("components").get(0).get("state").asText()).isEqualTo("REBALANCING");
            assertThat(body.get("components").get(0).get("ready").asBoolean()).isFalse();
            assertThat(body.get("components").get(1).get("ready").asBoolean()).isTrue();
            assertThat(get(server, "/health").statusCode()).isEqualTo(503);
            assertThat(get(server, "/health/live").statusCode()).isEqualTo(200);

            reports.set(List.of(report("streams", Supervisor.Status.RUNNING, ComponentHealth.ready("RUNNING"))));
            assertThat(get(server, "/health/ready").statusCode()).isEqualTo(200);
            assertThat(get(server, "/health").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void liveIs503OnceASupervisorGaveUp() throws Exception {
        List<Supervisor.Report> reports = List.of(
                new Supervisor.Report("trainer", Supervisor.Status.GAVE_UP, null, 4, 5, "ProducerFencedException: x"));
        try (OpsServer server = new OpsServer("127.0.0.1", 0, () -> reports, () -> "")) {
            HttpResponse<String> live = get(server, "/health/live");
            assertThat(live.statusCode()).isEqualTo(503);
            JsonNode trainer =
                    new ObjectMapper().readTree(live.body()).get("components").get(0);
            assertThat(trainer.get("status").asText()).isEqualTo("GAVE_UP");
            assertThat(trainer.get("consecutiveFailures").asInt()).isEqualTo(5);
            assertThat(trainer.get("lastError").asText()).isEqualTo("ProducerFencedException: x");
        }
    }

    @Test
    void metricsServeThePrometheusTextAndUnknownPathsAre404() throws Exception {
        try (ProcessMetrics metrics = new ProcessMetrics();
                OpsServer server = new OpsServer("127.0.0.1", 0, List::of, metrics::scrape)) {
            HttpResponse<String> scrape = get(server, "/metrics");
            assertThat(scrape.statusCode()).isEqualTo(200);
            assertThat(scrape.headers().firstValue("Content-Type"))
                    .hasValueSatisfying(t -> assertThat(t).startsWith("text/plain; version=0.0.4"));
            assertThat(scrape.body()).contains("# TYPE jvm_memory_used_bytes gauge");
            assertThat(get(server, "/healthz").statusCode()).isEqualTo(404);
            assertThat(get(server, "/health/other").statusCode()).isEqualTo(404);
        }
    }
}
