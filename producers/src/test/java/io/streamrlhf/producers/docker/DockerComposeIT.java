package io.streamrlhf.producers.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.containers.ComposeContainer;
import org.testcontainers.containers.ContainerState;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.junit.jupiter.Testcontainers;

/**
 * Brings up docker/compose.yml (the secrets service, Kafka in KRaft mode with SASL_SSL and ACLs, the project's schema
 * registry over HTTPS, topics and ACLs, and the StreamRLHF services built from docker/Dockerfile) and sends events
 * through the gateway over HTTPS, trusting the CA the secrets service made. Needs a Docker daemon with Compose v2.27
 * or later (volume subpaths); without one the whole class is skipped. The first run builds the image (several
 * minutes).
 */
@Testcontainers(disabledWithoutDocker = true)
class DockerComposeIT {

    private static final String API_KEY = "compose-it-key-0001-abcdefghijklmnopqrstuv";
    private static final Duration STARTUP = Duration.ofMinutes(15);

    // Created in @BeforeAll, not in a static field initializer, so nothing touches Docker when the class is skipped.
    private static ComposeContainer compose;
    private static HttpClient http;

    @BeforeAll
    static void up() throws Exception {
        File composeFile = Path.of(System.getProperty("user.dir"))
                .resolve("../docker/compose.yml")
                .normalize()
                .toFile();
        compose = new ComposeContainer(composeFile)
                .withLocalCompose(true)
                .withBuild(true)
                .withEnv("GATEWAY_API_KEYS", API_KEY)
                .withExposedService(
                        "gateway",
                        8443,
                        Wait.forHttp("/healthz").usingTls().allowInsecure().withStartupTimeout(STARTUP));
        compose.start();
        http = HttpClient.newBuilder()
                .sslContext(trusting(gateway()
                        .execInContainer("cat", "/etc/streamrlhf/secrets/ca.pem")
                        .getStdout()))
                .build();
    }

    private static ContainerState gateway() {
        return compose.getContainerByServiceName("gateway")
                .or(() -> compose.getContainerByServiceName("gateway-1"))
                .orElseThrow();
    }

    /** TLS trusting only the compose deployment's own CA. */
    private static SSLContext trusting(String caPem) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry(
                "ca",
                CertificateFactory.getInstance("X.509")
                        .generateCertificate(new ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII))));
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
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

        // then: acknowledged by the broker, schemas registered in the project's registry (asked from inside the
        // network, which alone reaches it, as the gateway's registry user, over HTTPS)
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        assertThat(feedback.statusCode()).as(feedback.body()).isEqualTo(202);
        assertThat(unauthorized.statusCode()).isEqualTo(401);
        String subjects = gateway()
                .execInContainer(
                        "sh",
                        "-c",
                        "curl -fsS --cacert /etc/streamrlhf/secrets/ca.pem -u \"$(sed -n "
                                + "'s/^gateway.schema.registry.basic.auth.user.info=//p' "
                                + "/etc/streamrlhf/secrets/streamrlhf.properties)\" https://schema-registry:8081/subjects")
                .getStdout();
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
        // The certificate names localhost and 127.0.0.1 besides the compose host name (a local Docker daemon)
        return URI.create("https://" + compose.getServiceHost("gateway", 8443) + ":"
                + compose.getServicePort("gateway", 8443) + path);
    }
}
