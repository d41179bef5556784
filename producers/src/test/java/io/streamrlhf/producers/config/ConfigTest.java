package io.streamrlhf.producers.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrlhf.config.ConfigException;
import io.streamrlhf.producers.client.EventPublisher;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

class ConfigTest {

    /** {@code settings} plus the cluster and registry every component needs. */
    private static Map<String, String> withCluster(Map<String, String> settings) {
        Map<String, String> all = new HashMap<>(settings);
        all.putIfAbsent("bootstrap.servers", "b:9092");
        all.putIfAbsent("schema.registry.url", "http://r:8081");
        return all;
    }

    @Test
    void componentKafkaOverridesWinOverSharedOnesForThatComponentOnly() {
        Map<String, String> settings = withCluster(Map.of(
                "gateway.api.keys", "key-one-123-0123456789abcdefghijklmnop",
                "kafka.sasl.jaas.config", "shared",
                "gateway.kafka.sasl.jaas.config", "gateway-only",
                "users.kafka.client.rack", "r1"));

        Map<String, Object> gateway = EventPublisher.producerProperties(
                GatewayConfig.fromProperties(settings).client());
        Map<String, Object> users = EventPublisher.producerProperties(
                UsersConfig.fromProperties(settings).client());
        Map<String, Object> prompts = EventPublisher.producerProperties(
                PromptSourceConfig.fromProperties(settings).client());

        assertThat(gateway).containsEntry("sasl.jaas.config", "gateway-only").doesNotContainKey("client.rack");
        assertThat(users).containsEntry("sasl.jaas.config", "shared").containsEntry("client.rack", "r1");
        assertThat(prompts).containsEntry("sasl.jaas.config", "shared").doesNotContainKey("client.rack");
    }

    @Test
    void missingClusterAddressNamesTheKey() {
        assertThatThrownBy(() -> ClientConfig.fromProperties(Map.of("schema.registry.url", "http://r:8081")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("Setting bootstrap.servers is missing");
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
        assertThat(props)
                .containsEntry("bootstrap.servers", "broker:9093")
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "PLAIN")
                .containsEntry(ProducerConfig.ACKS_CONFIG, "all")
                .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        assertThat(config.connection().schemaRegistryUrl()).isEqualTo("https://registry:8081");
        assertThat(config.connection().topics().feedback()).isEqualTo("prod.feedback");
    }

    @Test
    void refusesAnOverrideThatTurnsIdempotenceOff() {
        ClientConfig config = ClientConfig.fromProperties(withCluster(Map.of("kafka.enable.idempotence", "false")));

        assertThatThrownBy(() -> EventPublisher.producerProperties(config))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("enable.idempotence");
    }

    @Test
    void namesTheKeyAndTheExpectedFormWhenAValueDoesNotParse() {
        assertThatThrownBy(() -> ClientConfig.fromProperties(withCluster(Map.of("client.linger", "soon"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("Setting client.linger='soon' is not valid: expected a duration");
    }

    @Test
    void refusesADeliveryTimeoutShorterThanTheRequestTimeout() {
        assertThatThrownBy(() -> ClientConfig.fromProperties(
                        withCluster(Map.of("client.delivery.timeout", "1s", "client.request.timeout", "5s"))))
                .hasMessageContaining("client.delivery.timeout");
    }

    @Test
    void requiresApiKeysForTheGateway() {
        assertThatThrownBy(() -> GatewayConfig.fromProperties(withCluster(Map.of())))
                .hasMessageContaining("set gateway.keys.file")
                .hasMessageContaining("or gateway.api.keys");
    }

    @Test
    void readsGatewaySettingsWithShortProducerTimeoutsByDefault() {
        GatewayConfig config = GatewayConfig.fromProperties(withCluster(Map.of(
                "gateway.api.keys", "key-one-123-0123456789abcdefghijklmnop, key-two-456-0123456789abcdefghijklmnop",
                "gateway.port", "0",
                "gateway.response.id.check", "off",
                "gateway.retry.after.overloaded", "2s")));

        assertThat(config.apiKeys())
                .containsExactlyInAnyOrder(
                        "key-one-123-0123456789abcdefghijklmnop", "key-two-456-0123456789abcdefghijklmnop");
        assertThat(config.defaultTenant()).isEqualTo("default");
        assertThat(config.limits().ratePerSecond()).isEqualTo(100.0);
        assertThat(config.policyVersionCheck()).isEqualTo(GatewayConfig.PolicyVersionCheck.PUBLISHED);
        assertThat(config.toString()).doesNotContain("key-one-123");
        assertThat(config.port()).isZero();
        assertThat(config.responseIdCheck()).isEqualTo(GatewayConfig.ResponseIdCheck.OFF);
        assertThat(config.client().deliveryTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.client().requestTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.maxBodyBytes()).isEqualTo(65_536);
        assertThat(config.overloadedRetryAfter()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.unavailableRetryAfter()).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void refusesNoiseThatWouldEraseTheSignal() {
        assertThatThrownBy(() -> PopulationConfig.fromProperties(Map.of("users.noise", "0.5")))
                .hasMessageContaining("users.noise");
    }

    @Test
    void readsUsersAndPromptSettingsWithDefaults() {
        UsersConfig users = UsersConfig.fromProperties(withCluster(Map.of("users.count", "7", "users.noise", "0.1")));
        PromptSourceConfig prompts =
                PromptSourceConfig.fromProperties(withCluster(Map.of("prompts.rate.per.second", "10")));

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
        KafkaConnection connection = KafkaConnection.fromProperties(withCluster(Map.of(
                "schema.registry.basic.auth.user.info", "alice:s3cret",
                "kafka.sasl.jaas.config", "PlainLoginModule required password=\"hunter2\";",
                "kafka.ssl.truststore.password", "changeit")));

        assertThat(connection.registryUserInfo()).isEqualTo("alice:s3cret");
        assertThat(connection.toString()).doesNotContain("s3cret", "hunter2", "changeit");
    }
}
