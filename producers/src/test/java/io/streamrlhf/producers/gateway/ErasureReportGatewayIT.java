package io.streamrlhf.producers.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamrlhf.avro.ErasureReport;
import io.streamrlhf.avro.KtoExample;
import io.streamrlhf.localstack.junit.EmbeddedKafkaExtension;
import io.streamrlhf.producers.client.ErasureReportReader;
import io.streamrlhf.producers.config.ClientConfig;
import io.streamrlhf.producers.config.GatewayConfig;
import io.streamrlhf.producers.config.KafkaConnection;
import io.streamrlhf.producers.config.UserPseudonyms;
import io.streamrlhf.producers.erasure.ErasureReporter;
import io.streamrlhf.producers.erasure.ErasureReporterConfig;
import io.streamrlhf.schemas.registry.SchemaRegistryClient;
import io.streamrlhf.schemas.topic.TopicLayout;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.TopicProvisioner;
import io.streamrlhf.schemas.topic.Topics;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code DELETE /v1/users/{id}} then {@code GET /v1/users/{id}/erasure} on a real broker with the erasure reporter
 * running: the report comes back as JSON for the erasing tenant only, keyed by the pseudonymised namespaced id, and
 * the Java client reads the same report.
 */
class ErasureReportGatewayIT {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static final String SECRET = "pseudonym-secret-0123456789";

    @TempDir
    Path dir;

    private final SchemaRegistryClient registry = KAFKA.schemaRegistryClient();

    @Test
    void theErasingTenantGetsTheReportAsJsonAndOtherTenantsDoNot() throws Exception {
        // given: topics, one KTO example of acme's bob (as the gateway writes his id), the reporter and the gateway
        TopicNames names = TopicNames.defaults().withPrefix(KAFKA.uniquePrefix());
        Topics topics = new Topics(names, registry);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()))) {
            new TopicProvisioner(admin).ensure(TopicLayout.defaults().specs(names));
        }
        UserPseudonyms pseudonyms = UserPseudonyms.withSecret(SECRET);
        String bob = pseudonyms.apply("acme:bob");
        try (KafkaProducer<String, KtoExample> p = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()),
                topics.ktoExamples().keySerde().serializer(),
                topics.ktoExamples().valueSerde().serializer())) {
            p.send(new ProducerRecord<>(topics.ktoExamples().name(), "kto-bob", example("kto-bob", bob)))
                    .get();
        }
        KafkaConnection connection = KafkaConnection.of(KAFKA.bootstrapServers())
                .withTopics(names)
                .withRegistryUrl(KAFKA.schemaRegistryUrl());
        ClientConfig d = ClientConfig.defaults(connection);
        ClientConfig client = new ClientConfig(
                d.connection(),
                d.clientId(),
                d.deliveryTimeout(),
                d.requestTimeout(),
                d.maxBlock(),
                d.linger(),
                d.bufferBytes(),
                pseudonyms);
        ApiKeys.Generated acme =
                ApiKeys.generate("acme-ops", "acme", Set.of(Scope.FEEDBACK, Scope.ERASE), new SecureRandom());
        ApiKeys.Generated globex = ApiKeys.generate("globex-ops", "globex", Set.of(Scope.ERASE), new SecureRandom());
        ApiKeys.Generated reader = ApiKeys.generate("acme-reader", "acme", Set.of(Scope.FEEDBACK), new SecureRandom());
        Path keys = Files.write(dir.resolve("keys.txt"), List.of(acme.line(), globex.line(), reader.line()));
        GatewayConfig config = GatewayConfig.defaultsWithKeysFile(keys.toString(), connection)
                .withClient(client)
                .withListener("127.0.0.1", 0)
                .withResponseIdCheck(GatewayConfig.ResponseIdCheck.OFF)
                .withPolicyVersionCheck(GatewayConfig.PolicyVersionCheck.OFF);
        ErasureReporterConfig reporterConfig = ErasureReporterConfig.defaults(connection)
                .withIds(KAFKA.uniqueName("reporter"), KAFKA.uniqueName("reporter-tx"));
        ObjectMapper json = new ObjectMapper();

        try (ErasureReporter reporter = new ErasureReporter(reporterConfig, registry).start(e -> {});
                IngestionGateway gateway = new IngestionGateway(config, registry).start()) {
            HttpCalls calls = new HttpCalls(gateway.baseUri());
            assertThat(get(calls, acme.key(), "bob").statusCode()).isEqualTo(404);

            // when
            HttpResponse<String> erased = calls.send(calls.request("/v1/users/bob")
                    .header(ApiKeys.HEADER, acme.key())
                    .DELETE()
                    .build());
            assertThat(erased.statusCode()).isEqualTo(202);
            String requestId = json.readTree(erased.body()).get("requestId").asText();

            // then: pending or reported at once, then reported
            assertThat(get(calls, acme.key(), "bob").statusCode()).isIn(200, 202);
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> get(calls, acme.key(), "bob").statusCode() == 200);
            JsonNode report = json.readTree(get(calls, acme.key(), "bob").body());
            assertThat(report.get("requestId").asText()).isEqualTo(requestId);
            assertThat(report.get("userId").asText()).isEqualTo("bob");
            assertThat(report.get("kafkaUserId").asText()).isEqualTo(bob);
            assertThat(report.get("untrainedExampleIds").get(0).asText()).isEqualTo("kto-bob");
            assertThat(report.get("versions")).isEmpty();
            assertThat(report.get("retained")).hasSize(6);

            // and: another tenant's bob has no report; a key without the erase scope may not ask
            assertThat(get(calls, globex.key(), "bob").statusCode()).isEqualTo(404);
            assertThat(get(calls, reader.key(), "bob").statusCode()).isEqualTo(403);

            // and: the Java client reads the same report
            try (ErasureReportReader client2 = new ErasureReportReader(client, registry)) {
                Optional<ErasureReport> read = client2.await("acme:bob", requestId, Duration.ofSeconds(30));
                assertThat(read)
                        .hasValueSatisfying(r -> assertThat(r.getUserId()).isEqualTo(bob));
                assertThat(client2.latest("globex:bob")).isEmpty();
            }
        }
    }

    private static HttpResponse<String> get(HttpCalls calls, String key, String user) {
        return calls.send(calls.request("/v1/users/" + user + "/erasure")
                .header(ApiKeys.HEADER, key)
                .GET()
                .build());
    }

    private static KtoExample example(String id, String user) {
        return KtoExample.newBuilder()
                .setExampleId(id)
                .setResponseId("r-" + id)
                .setUserId(user)
                .setPrompt("prompt")
                .setCompletion("completion")
                .setLabel(true)
                .setResponseTime(Instant.EPOCH)
                .setFeedbackTime(Instant.EPOCH)
                .build();
    }
}
