package io.streamrlhf.app.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.app.StreamRlhf;
import io.streamrlhf.config.Settings;
import io.streamrlhf.localstack.broker.BrokerSecurity;
import io.streamrlhf.localstack.broker.OwnerOnly;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The client settings of the secured stack give each component its own principal, and {@code streamrlhf config}
 * over them shows no password.
 */
class SecureClientSettingsTest {

    @TempDir
    Path dir;

    @Test
    void eachComponentAuthenticatesAsItselfAndNoneSharesAJaasLine() {
        BrokerSecurity security = BrokerSecurity.loadOrCreate(
                dir,
                "streamrlhf-admin",
                List.of(
                        "streamrlhf-trainer",
                        "streamrlhf-gateway",
                        "streamrlhf-streams",
                        "streamrlhf-sampler",
                        "streamrlhf-users",
                        "streamrlhf-prompts",
                        "streamrlhf-dashboard",
                        "streamrlhf-erasures"));
        Map<String, String> settings = SecureStack.clientSettings(security, "streamrlhf-");

        assertThat(settings).doesNotContainKey("kafka.sasl.jaas.config");
        assertThat(Settings.kafkaOverrides(settings, "gateway"))
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512");
        assertThat(Settings.kafkaOverrides(settings, "gateway").get("sasl.jaas.config"))
                .contains("username=\"streamrlhf-gateway\"")
                .contains("password=\"" + security.passwords().get("streamrlhf-gateway") + "\"");
        assertThat(Settings.kafkaOverrides(settings, "topics").get("sasl.jaas.config"))
                .contains("username=\"streamrlhf-admin\"");
        Map<String, Long> jaasCounts = settings.entrySet().stream()
                .filter(e ->
                        e.getKey().endsWith("sasl.jaas.config") && !e.getKey().startsWith("topics."))
                .collect(Collectors.groupingBy(Map.Entry::getValue, Collectors.counting()));
        assertThat(jaasCounts.values()).containsOnly(1L).hasSize(9);
    }

    @Test
    void underMutualTlsEachComponentPresentsItsOwnCertificateAndNoneIsShared() {
        BrokerSecurity security = BrokerSecurity.loadOrCreate(
                dir,
                "streamrlhf-admin",
                java.util.Arrays.stream(ComponentPrincipal.values())
                        .map(c -> c.userName("streamrlhf-"))
                        .toList(),
                BrokerSecurity.Mode.MTLS);
        Map<String, String> settings = SecureStack.clientSettings(security, "streamrlhf-");

        assertThat(settings)
                .containsEntry("kafka.security.protocol", "SSL")
                .doesNotContainKey("kafka.ssl.keystore.location")
                .doesNotContainKey("kafka.ssl.keystore.password")
                .doesNotContainKey("kafka.sasl.jaas.config");
        assertThat(Settings.kafkaOverrides(settings, "gateway"))
                .containsEntry("security.protocol", "SSL")
                .containsEntry(
                        "ssl.keystore.location",
                        dir.resolve("client-streamrlhf-gateway.keystore.p12")
                                .toAbsolutePath()
                                .toString())
                .doesNotContainKey("sasl.jaas.config");
        assertThat(Settings.kafkaOverrides(settings, "topics").get("ssl.keystore.location"))
                .endsWith("client-streamrlhf-admin.keystore.p12");
        assertThat(Settings.kafkaOverrides(settings, "trainer").get("ssl.keystore.password"))
                .isNotEqualTo(Settings.kafkaOverrides(settings, "gateway").get("ssl.keystore.password"));
    }

    @Test
    void configCommandMasksEveryCredentialOfTheClientFile() {
        BrokerSecurity security = BrokerSecurity.loadOrCreate(
                dir, "streamrlhf-admin", List.of("streamrlhf-trainer", "streamrlhf-sampler"));
        Map<String, String> settings = Map.of(
                "kafka.security.protocol", "SASL_SSL",
                "kafka.ssl.truststore.password", security.tls().truststorePassword(),
                "trainer.kafka.sasl.jaas.config",
                        security.clientProperties("streamrlhf-trainer").get("sasl.jaas.config"),
                "sampler.kafka.sasl.jaas.config",
                        security.clientProperties("streamrlhf-sampler").get("sasl.jaas.config"));
        Path file = dir.resolve("client.properties");
        OwnerOnly.write(
                file,
                settings.entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue() + "\n")
                        .collect(Collectors.joining()));
        StringWriter out = new StringWriter();
        CommandLine cli = StreamRlhf.commandLine().setOut(new PrintWriter(out));

        assertThat(cli.execute("config", "--config", file.toString())).isZero();

        assertThat(out.toString().lines())
                .contains("trainer.kafka.sasl.jaas.config = ****  (file " + file + ")")
                .contains("kafka.ssl.truststore.password = ****  (file " + file + ")")
                .contains("kafka.security.protocol = SASL_SSL  (file " + file + ")");
        security.passwords().values().forEach(p -> assertThat(out.toString()).doesNotContain(p));
        assertThat(out.toString()).doesNotContain(security.tls().truststorePassword());
    }
}
