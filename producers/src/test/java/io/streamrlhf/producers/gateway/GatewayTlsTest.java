package io.streamrlhf.producers.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrlhf.localstack.broker.TlsMaterial;
import io.streamrlhf.producers.MockKafka;
import io.streamrlhf.producers.config.GatewayConfig;
import io.streamrlhf.producers.config.KafkaConnection;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gateway over HTTPS, from a PKCS12 keystore or from PEM files; clients check its certificate. */
class GatewayTlsTest {

    private static final String PASSWORD = "gateway-tls-test";

    @TempDir
    Path dir;

    private IngestionGateway gateway;

    @AfterEach
    void stop() {
        if (gateway != null) {
            gateway.close();
        }
    }

    private IngestionGateway start(GatewayConfig.Tls tls) {
        MockKafka kafka = new MockKafka(true);
        GatewayConfig config = GatewayConfig.defaults(Set.of(HttpCalls.KEY), KafkaConnection.of("unused:9092"))
                .withListener("127.0.0.1", 0)
                .withResponseIdCheck(GatewayConfig.ResponseIdCheck.OFF)
                .withPolicyVersionCheck(GatewayConfig.PolicyVersionCheck.OFF)
                .withTls(tls);
        gateway = new IngestionGateway(config, kafka.client()).start();
        return gateway;
    }

    private static HttpClient trusting(TlsMaterial tls) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(tls.truststore())) {
            trust.load(in, PASSWORD.toCharArray());
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return HttpClient.newBuilder()
                .sslContext(context)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    private static int postVote(HttpClient http, URI base) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/v1/feedback"))
                .header(ApiKeys.HEADER, HttpCalls.KEY)
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"responseId\":\"r\",\"userId\":\"u\",\"kind\":\"THUMBS_UP\"}"))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode();
    }

    @Test
    void servesHttpsFromAKeystoreToClientsThatTrustItsAuthorityAndNothingInPlainText() throws Exception {
        TlsMaterial tls = TlsMaterial.generate(dir, PASSWORD, PASSWORD);
        start(new GatewayConfig.Tls(tls.keystore().toString(), PASSWORD, "PKCS12", "", ""));

        assertThat(gateway.baseUri().getScheme()).isEqualTo("https");
        assertThat(postVote(trusting(tls), gateway.baseUri())).isEqualTo(202);
        HttpClient plain = HttpClient.newHttpClient();
        URI http = URI.create("http://127.0.0.1:" + gateway.port());
        assertThatThrownBy(() -> postVote(plain, http)).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> postVote(HttpClient.newHttpClient(), gateway.baseUri()))
                .isInstanceOf(IOException.class);
    }

    @Test
    void servesHttpsFromPemCertificateAndKeyFiles() throws Exception {
        TlsMaterial tls = TlsMaterial.generate(dir, PASSWORD, PASSWORD);
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(tls.keystore())) {
            store.load(in, PASSWORD.toCharArray());
        }
        String alias = store.aliases().nextElement();
        StringBuilder chain = new StringBuilder();
        for (Certificate c : store.getCertificateChain(alias)) {
            chain.append(pem("CERTIFICATE", c.getEncoded()));
        }
        Path certificate = Files.writeString(dir.resolve("gateway.crt.pem"), chain);
        Path key = Files.writeString(
                dir.resolve("gateway.key.pem"),
                pem("PRIVATE KEY", store.getKey(alias, PASSWORD.toCharArray()).getEncoded()));

        start(new GatewayConfig.Tls("", "", "PKCS12", certificate.toString(), key.toString()));

        assertThat(postVote(trusting(tls), gateway.baseUri())).isEqualTo(202);
    }

    @Test
    void refusesHalfATlsConfiguration() {
        assertThatThrownBy(() -> new GatewayConfig.Tls("", "", "PKCS12", "cert.pem", ""))
                .hasMessageContaining("gateway.tls.certificate and gateway.tls.private.key go together");
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
