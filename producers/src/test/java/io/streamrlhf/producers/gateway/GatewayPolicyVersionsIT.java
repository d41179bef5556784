package io.streamrlhf.producers.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamrlhf.avro.PolicyStatus;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.localstack.junit.EmbeddedKafkaExtension;
import io.streamrlhf.producers.TopicReader;
import io.streamrlhf.producers.TopicWriter;
import io.streamrlhf.producers.config.GatewayConfig;
import io.streamrlhf.producers.config.KafkaConnection;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.Topics;
import io.streamrlhf.trainer.checkpoint.VersionSigner;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The gateway follows the real policy-versions topic: a response may claim a version once it is published there,
 * never one from the future, and a version published while the gateway runs becomes claimable.
 */
class GatewayPolicyVersionsIT {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static String response(String id, long version) {
        return "{'responseId':'" + id + "','promptId':'p','prompt':'What is 2+2?','completion':'4','policyVersion':"
                + version + "}";
    }

    private static void publish(Topics topics, long version) throws Exception {
        publish(topics, version, null);
    }

    /** Appends version {@code version} of "policy", with {@code signature} in the signature header when not null. */
    private static void publish(Topics topics, long version, java.util.function.Function<byte[], byte[]> signature)
            throws Exception {
        String topic = topics.policyVersions().name();
        PolicyVersion v = PolicyVersion.newBuilder()
                .setModelId("policy")
                .setVersion(version)
                .setParentVersion(version == 0 ? null : version - 1)
                .setCheckpointUri("file:///checkpoints/policy-v" + version + ".ckpt")
                .setSha256("00".repeat(32))
                .setCreatedTime(Instant.now())
                .setStatus(PolicyStatus.PUBLISHED)
                .build();
        byte[] value = topics.policyVersions().valueSerde().serializer().serialize(topic, v);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()),
                new StringSerializer(),
                new ByteArraySerializer())) {
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, "policy", value);
            if (signature != null) {
                record.headers().add(VersionSigner.HEADER, signature.apply(value));
            }
            producer.send(record).get();
        }
    }

    @Test
    void acceptsOnlyVersionsPublishedOnTheTopicAndFollowsNewOnes() throws Exception {
        KafkaConnection connection = KafkaConnection.of(KAFKA.bootstrapServers())
                .withTopics(TopicNames.defaults().withPrefix(KAFKA.uniquePrefix()));
        Topics topics = new Topics(connection.topics(), KAFKA.schemaRegistryClient());
        TopicWriter.createTopic(
                KAFKA.bootstrapServers(), topics.policyVersions().name());
        TopicWriter.createTopic(KAFKA.bootstrapServers(), topics.responses().name());
        publish(topics, 0);
        publish(topics, 1);
        GatewayConfig config = GatewayConfig.defaults(Set.of(HttpCalls.KEY), connection)
                .withListener("127.0.0.1", 0)
                .withResponseIdCheck(GatewayConfig.ResponseIdCheck.OFF);

        try (IngestionGateway gateway = new IngestionGateway(config, KAFKA.schemaRegistryClient()).start()) {
            HttpCalls calls = new HttpCalls(gateway.baseUri());

            // once the tail has read the topic, version 1 is accepted; 2 (the future) and a huge one are not
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> calls.post("/v1/responses", response("r-1", 1)).statusCode() == 202);
            assertThat(calls.post("/v1/responses", response("r-2", 2)).statusCode())
                    .isEqualTo(422);
            assertThat(calls.post("/v1/responses", response("r-huge", Long.MAX_VALUE))
                            .body())
                    .contains("was never published (latest is 1)");

            // a version published while the gateway runs becomes claimable
            publish(topics, 2);
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> calls.post("/v1/responses", response("r-2", 2)).statusCode() == 202);
        }
        try (TopicReader<ResponseGenerated> responses =
                new TopicReader<>(KAFKA.bootstrapServers(), topics.responses())) {
            assertThat(responses.awaitKey("r-2"))
                    .extracting(ConsumerRecord::key)
                    .containsExactly("r-1", "r-2");
        }
    }

    @Test
    void withASigningKeyOnlySignedVersionsCanBeClaimed() throws Exception {
        String key = "versions-signing-key-0123456789abcdef";
        VersionSigner signer = new VersionSigner(key);
        VersionSigner forger = new VersionSigner("another-signing-key-0123456789abcdef");
        KafkaConnection connection = KafkaConnection.of(KAFKA.bootstrapServers())
                .withTopics(TopicNames.defaults().withPrefix(KAFKA.uniquePrefix()));
        Topics topics = new Topics(connection.topics(), KAFKA.schemaRegistryClient());
        TopicWriter.createTopic(
                KAFKA.bootstrapServers(), topics.policyVersions().name());
        TopicWriter.createTopic(KAFKA.bootstrapServers(), topics.responses().name());
        publish(topics, 0, signer::sign);
        publish(topics, 1_000_000, null);
        publish(topics, 999_999, forger::sign);
        publish(topics, 1, signer::sign);
        GatewayConfig config = GatewayConfig.defaults(Set.of(HttpCalls.KEY), connection)
                .withListener("127.0.0.1", 0)
                .withResponseIdCheck(GatewayConfig.ResponseIdCheck.OFF)
                .withVersionsSigningKey(key);

        try (IngestionGateway gateway = new IngestionGateway(config, KAFKA.schemaRegistryClient()).start()) {
            HttpCalls calls = new HttpCalls(gateway.baseUri());

            // version 1 is read after the forged ones, so once it is accepted they have been read too
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> calls.post("/v1/responses", response("r-1", 1)).statusCode() == 202);
            assertThat(calls.post("/v1/responses", response("r-unsigned", 1_000_000))
                            .body())
                    .contains("was never published (latest is 1)");
            assertThat(calls.post("/v1/responses", response("r-forged", 999_999))
                            .statusCode())
                    .isEqualTo(422);
        }
    }
}
