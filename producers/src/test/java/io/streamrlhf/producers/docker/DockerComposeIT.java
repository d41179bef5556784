package io.streamrlhf.producers.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.ComposeContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * Brings up docker/compose.yml (Kafka in KRaft mode, the schema registry, topics, and the StreamRLHF services
 * built from docker/Dockerfile) and sends events through the gateway. Needs a Docker daemon with Compose v2;
 * without one the whole class is skipped. The first run builds the image (several minutes).
 */
@Testcontainers(disabledWithoutDocker = true)
class DockerComposeIT {

    private static final String API_KEY = "compose-it-key-0001";
    private static final Duration STARTUP = Duration.ofMinutes(15);

    // Created in @BeforeAll, not in a static field initializer, so nothing touches Docker when the class is skipped.
    private static ComposeContainer compose;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void up() {
        File composeFile = Path.of(System.getProperty("user.dir"))
                .resolve("../docker/compose.yml")
                .normalize()
                .toFile();
        compose = new ComposeContainer(composeFile)
                .withLocalCompose(true)
                .withBuild(true)
                .withEnv("GATEWAY_API_KEYS", API_KEY)
                .withExposedService(
                        "schema-registry", 8081, Wait.forHttp("/subjects").withStartupTimeout(STARTUP))
                .withExposedService("gateway", 8080, Wait.forHttp("/healthz").withStartupTimeout(STARTUP));
        compose.start();
    }

    @AfterAll
    static void down() {
        if (compose != null) {
            compose.stop();
        }
    }

    @Test
    void gatewayAcknowledgesEventsWrittenToTheComposeCluster() throws Exception {
        // when
        HttpResponse<String> response = post(
                "/v1/responses",
                "{\"responseId\":\"compose-r1\",\"promptId\":\"compose-p1\",\"prompt\":\"What is 2+2?\","
                        + "\"completion\":\"4\",\"task\":\"arithmetic\"}");
        HttpResponse<String> feedback = post(
                "/v1/feedback", "{\"responseId\":\"compose-r1\",\"userId\":\"compose-u1\",\"kind\":\"THUMBS_UP\"}");
        HttpResponse<String> unauthorized = http.send(
                HttpRequest.newBuilder(gateway("/v1/feedback"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        // then: acknowledged by the broker, schemas registered in the Confluent registry
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        assertThat(feedback.statusCode()).as(feedback.body()).isEqualTo(202);
        assertThat(unauthorized.statusCode()).isEqualTo(401);
        String subjects = http.send(
                        HttpRequest.newBuilder(service("schema-registry", 8081, "/subjects"))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        assertThat(subjects).contains("rlhf.responses-value", "rlhf.feedback-value");
    }

    private HttpResponse<String> post(String path, String json) throws IOException, InterruptedException {
        return http.send(
                HttpRequest.newBuilder(gateway(path))
                        .header("X-API-Key", API_KEY)
                        .header("Content-Type", "application/json")
                        .timeout(Duration.ofSeconds(30))
                        .POST(HttpRequest.BodyPublishers.ofString(json))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static URI gateway(String path) {
        return service("gateway", 8080, path);
    }

    private static URI service(String name, int port, String path) {
        return URI.create(
                "http://" + compose.getServiceHost(name, port) + ":" + compose.getServicePort(name, port) + path);
    }
}
