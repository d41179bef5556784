package io.streamrlhf.app.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.config.Secrets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Static security checks of {@code docker/compose.yml} (no Docker daemon runs here): Kafka's plaintext listeners are
 * never published on the host, the unauthenticated registry only on loopback, and no secret is written into the
 * file itself (each comes from the operator's environment). What the compose deployment still lacks (SASL_SSL
 * inside the network, an authenticating registry) is listed in docs/security-kafka.md.
 */
class ComposeSecurityTest {

    @Test
    @SuppressWarnings("unchecked")
    void kafkaIsNotPublishedOnTheHostAndTheRegistryOnlyOnLoopback() throws Exception {
        Map<String, Map<String, Object>> services = DeploymentFiles.services();

        // The broker's listeners are PLAINTEXT: reachable inside the compose network only
        assertThat(services.get("kafka")).doesNotContainKey("ports");
        String listeners =
                String.valueOf(((Map<String, Object>) services.get("kafka").get("environment")).get("KAFKA_LISTENERS"));
        assertThat(listeners).contains("PLAINTEXT://");
        List<String> publishingKafkaPorts = new ArrayList<>();
        services.forEach((name, service) -> {
            for (Object port : (List<Object>) service.getOrDefault("ports", List.of())) {
                String p = String.valueOf(port);
                if (p.endsWith(":9092") || p.endsWith(":9093")) {
                    publishingKafkaPorts.add(name + " " + p);
                }
            }
        });
        assertThat(publishingKafkaPorts).as("services publishing a Kafka port").isEmpty();

        // The registry has no authentication in this file: its port is bound to the host's loopback only
        List<Object> registryPorts =
                (List<Object>) services.get("schema-registry").get("ports");
        assertThat(registryPorts)
                .isNotEmpty()
                .allSatisfy(p -> assertThat(String.valueOf(p)).startsWith("127.0.0.1:"));
    }

    @Test
    @SuppressWarnings("unchecked")
    void noSecretIsWrittenIntoTheComposeFile() throws Exception {
        List<String> literal = new ArrayList<>();
        DeploymentFiles.services().forEach((name, service) -> {
            Object env = service.get("environment");
            if (!(env instanceof Map<?, ?> map)) {
                return;
            }
            ((Map<String, Object>) map).forEach((key, value) -> {
                String property = key.startsWith("STREAMRLHF_")
                        ? key.substring("STREAMRLHF_".length())
                                .toLowerCase(java.util.Locale.ROOT)
                                .replace('_', '.')
                        : key.toLowerCase(java.util.Locale.ROOT).replace('_', '.');
                boolean secret = Secrets.isSecret(property) || property.endsWith("api.keys");
                // A secret must be the operator's variable (${VAR} or ${VAR:?message}), never a value in the file
                if (secret && !String.valueOf(value).matches("\\$\\{[A-Z0-9_]+(:\\?[^}]*)?}")) {
                    literal.add(name + " " + key);
                }
            });
        });
        assertThat(literal).as("secrets written into compose.yml").isEmpty();

        // and the gateway never starts without the operator's keys: the variable is required
        Map<String, Object> gatewayEnv =
                (Map<String, Object>) DeploymentFiles.services().get("gateway").get("environment");
        assertThat(String.valueOf(gatewayEnv.get("STREAMRLHF_GATEWAY_API_KEYS")))
                .startsWith("${GATEWAY_API_KEYS:?");
    }
}
