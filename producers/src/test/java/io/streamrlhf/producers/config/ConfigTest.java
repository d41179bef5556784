package io.streamrlhf.producers.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrlhf.producers.client.EventPublisher;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

class ConfigTest {

    @Test
    void mapsStreamrlhfEnvironmentVariablesToDottedProperties() {
        Map<String, String> props = PropertyReader.fromEnvironment(Map.of(
                "STREAMRLHF_BOOTSTRAP_SERVERS", "kafka:9092",
                "STREAMRLHF_KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "PATH", "/usr/bin"));

        assertThat(props).containsOnly(Map.entry("bootstrap.servers", "kafka:9092"),
                Map.entry("kafka.security.protocol", "SASL_SSL"));
    }

    @Test
    void passesKafkaPrefixedPropertiesThroughToTheProducerAndKeepsIdempotence() {
        // given
        ClientConfig config = ClientConfig.fromProperties(Map.of(
                "bootstrap.servers", "broker:9093",
                "schema.registry.url", "https://registry:8081",
                "kafka.security.protocol", "SASL_SSL",
                "kafka.sasl.mechanism", "PLAIN",
                "topic.feedback", "prod.feedback"));

        // when
        Map<String, Object> props = EventPublisher.producerProperties(config);

        // then
        assertThat(props).containsEntry("bootstrap.servers", "broker:9093")
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "PLAIN")
                .containsEntry(ProducerConfig.ACKS_CONFIG, "all")
                .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        assertThat(config.connection().schemaRegistryUrl()).isEqualTo("https://registry:8081");
        assertThat(config.connection().topics().feedback()).isEqualTo("prod.feedback");
    }

    @Test
    void refusesAnOverrideThatTurnsIdempotenceOff() {
        ClientConfig config = ClientConfig.fromProperties(Map.of("kafka.enable.idempotence", "false"));

        assertThatThrownBy(() -> EventPublisher.producerProperties(config))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("enable.idempotence");
    }

    @Test
    void namesTheKeyAndTheExpectedFormWhenAValueDoesNotParse() {
        assertThatThrownBy(() -> ClientConfig.fromProperties(Map.of("client.linger.ms", "soon")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("client.linger.ms").hasMessageContaining("soon");
    }

    @Test
    void refusesADeliveryTimeoutShorterThanTheRequestTimeout() {
        assertThatThrownBy(() -> ClientConfig.fromProperties(Map.of(
                "client.delivery.timeout.ms", "1000", "client.request.timeout.ms", "5000")))
                .hasMessageContaining("client.delivery.timeout.ms");
    }

    @Test
    void requiresApiKeysForTheGateway() {
        assertThatThrownBy(() -> GatewayConfig.fromProperties(Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("gateway.api.keys");
    }

    @Test
    void readsGatewaySettingsWithShortProducerTimeoutsByDefault() {
        GatewayConfig config = GatewayConfig.fromProperties(Map.of(
                "gateway.api.keys", "key-one-123, key-two-456",
                "gateway.port", "0",
                "gateway.response.id.check", "off"));

        assertThat(config.apiKeys()).containsExactlyInAnyOrder("key-one-123", "key-two-456");
        assertThat(config.port()).isZero();
        assertThat(config.responseIdCheck()).isEqualTo(GatewayConfig.ResponseIdCheck.OFF);
        assertThat(config.client().deliveryTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.maxBodyBytes()).isEqualTo(64 * 1024);
    }

    @Test
    void refusesNoiseThatWouldEraseTheSignal() {
        assertThatThrownBy(() -> PopulationConfig.fromProperties(Map.of("users.noise", "0.5")))
                .hasMessageContaining("users.noise");
    }

    @Test
    void readsUsersAndPromptSettingsWithDefaults() {
        UsersConfig users = UsersConfig.fromProperties(Map.of("users.count", "7", "users.noise", "0.1"));
        PromptSourceConfig prompts = PromptSourceConfig.fromProperties(Map.of("prompts.rate.per.second", "10"));

        assertThat(users.population().count()).isEqualTo(7);
        assertThat(users.population().flipProbability()).isEqualTo(0.1);
        assertThat(users.groupId()).isEqualTo("streamrlhf-users");
        assertThat(prompts.ratePerSecond()).isEqualTo(10.0);
        assertThat(prompts.arithmeticShare()).isEqualTo(0.5);
        assertThat(Set.of(users.client().clientId(), prompts.client().clientId()))
                .containsExactlyInAnyOrder("streamrlhf-users", "streamrlhf-prompts");
    }

    @Test
    void masksSecretsWhenTheConnectionIsLogged() {
        KafkaConnection connection = KafkaConnection.fromProperties(Map.of(
                "schema.registry.basic.auth.user.info", "alice:s3cret",
                "kafka.sasl.jaas.config", "PlainLoginModule required password=\"hunter2\";",
                "kafka.ssl.truststore.password", "changeit"));

        assertThat(connection.registryUserInfo()).isEqualTo("alice:s3cret");
        assertThat(connection.toString()).doesNotContain("s3cret", "hunter2", "changeit");
    }
}
