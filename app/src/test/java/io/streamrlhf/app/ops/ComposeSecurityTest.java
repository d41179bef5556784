package io.streamrlhf.app.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.config.Secrets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Static security checks of {@code docker/compose.yml} and of the settings its {@code secrets} service writes
 * ({@code docker/secrets-init.sh}); no Docker daemon runs here, so nothing is started ({@code ComposeSecretsScriptTest}
 * runs the script itself). Secure by default: no PLAINTEXT anywhere, Kafka SASL_SSL with SCRAM-SHA-512 and ACLs,
 * every StreamRLHF service a SASL_SSL and HTTPS client with its own credentials, the project's registry with TLS and
 * authentication, host ports on loopback only, and each service's secrets mounted into it alone.
 */
class ComposeSecurityTest {

    private static final String APP_SECRETS = "/etc/streamrlhf/secrets";
    private static final String APP_CONFIG = APP_SECRETS + "/streamrlhf.properties";

    @Test
    void nothingInTheComposeFileOrTheBrokerSettingsIsPlaintext() throws Exception {
        List<String> plaintext = new ArrayList<>();
        collectStrings(DeploymentFiles.yaml("compose.yml"), "", (path, value) -> {
            if (value.toUpperCase(Locale.ROOT).contains("PLAINTEXT")) {
                plaintext.add(path + "=" + value);
            }
        });
        assertThat(plaintext).as("PLAINTEXT in compose.yml").isEmpty();
        assertThat(script()).doesNotContainIgnoringCase("PLAINTEXT");
    }

    @Test
    @SuppressWarnings("unchecked")
    void kafkaServesSaslSslWithScramOnEveryListenerAndTheStandardAuthorizer() throws Exception {
        Map<String, Object> kafka = DeploymentFiles.services().get("kafka");
        assertThat(kafka).doesNotContainKey("ports");
        assertThat(kafka.get("environment") instanceof Map<?, ?> env ? env.keySet() : Set.of())
                .as("the broker's settings come from the secrets service, not KAFKA_* variables")
                .noneMatch(k -> String.valueOf(k).contains("LISTENER"));
        assertThat(String.valueOf(kafka.get("command"))).contains("/etc/kafka/secrets/server.properties");
        assertThat(mounts(kafka)).containsEntry("/etc/kafka/secrets", "kafka");

        Map<String, String> broker = brokerProperties();
        Map<String, String> protocols = new LinkedHashMap<>();
        for (String entry : broker.get("listener.security.protocol.map").split(",")) {
            String[] parts = entry.split(":");
            protocols.put(parts[0].trim(), parts[1].trim());
        }
        assertThat(protocols.values()).as("listener protocols").isNotEmpty().containsOnly("SASL_SSL");
        for (String key : List.of("listeners", "advertised.listeners")) {
            for (String listener : broker.get(key).split(",")) {
                String name = listener.substring(0, listener.indexOf("://"));
                assertThat(protocols).as(key + " " + listener).containsEntry(name, "SASL_SSL");
            }
        }
        assertThat(protocols).containsEntry(broker.get("inter.broker.listener.name"), "SASL_SSL");
        assertThat(protocols).containsEntry(broker.get("controller.listener.names"), "SASL_SSL");
        assertThat(broker)
                .containsEntry("sasl.mechanism.inter.broker.protocol", "SCRAM-SHA-512")
                .containsEntry("listener.name.internal.sasl.enabled.mechanisms", "SCRAM-SHA-512")
                .containsEntry("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
                .containsEntry("allow.everyone.if.no.acl.found", "false")
                .containsEntry("ssl.keystore.type", "PKCS12");
        // SCRAM users exist from the first start: the log folder is formatted with them
        assertThat(script()).contains("--add-scram 'SCRAM-SHA-512=[name=");
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyStreamrlhfServiceIsASaslSslAndHttpsClientWithItsOwnCredentials() throws Exception {
        Map<String, List<String>> settingsCalls = appSettingsCalls();
        List<String> checked = new ArrayList<>();
        DeploymentFiles.services().forEach((name, service) -> {
            if (!String.valueOf(service.get("image")).contains("STREAMRLHF_IMAGE")) {
                return;
            }
            checked.add(name);
            Map<String, Object> env = (Map<String, Object>) service.get("environment");
            assertThat(String.valueOf(env.get("STREAMRLHF_SCHEMA_REGISTRY_URL")))
                    .as(name + "'s registry URL")
                    .startsWith("https://");
            assertThat(env.keySet())
                    .as(name + " must not override the protocol of the settings file")
                    .noneMatch(k -> k.contains("SECURITY_PROTOCOL") || k.contains("SASL"));
            List<String> command = (List<String>) service.get("command");
            assertThat(String.join(" ", command)).as(name + "'s command").endsWith("--config " + APP_CONFIG);
            assertThat(mounts(service)).as(name + "'s secrets").containsEntry(APP_SECRETS, name);

            // The secrets service writes this service's settings, with a credential for each component it runs
            assertThat(settingsCalls).as("app_settings call for " + name).containsKey(name);
            List<String> own = settingsCalls.get(name);
            if ("run".equals(command.get(0))) {
                List<String> components = command.subList(1, command.indexOf("--config"));
                assertThat(own).as(name + "'s credentials").containsExactlyElementsOf(components);
            }
        });
        assertThat(checked)
                .contains(
                        "streams",
                        "trainer",
                        "sampler",
                        "gateway",
                        "dashboard",
                        "users",
                        "erasures",
                        "topics",
                        "acls",
                        "schema-registry");

        String appSettings = function("app_settings");
        assertThat(appSettings)
                .contains("kafka.security.protocol=SASL_SSL")
                .contains("kafka.sasl.mechanism=SCRAM-SHA-512")
                .contains("kafka.ssl.truststore.location=")
                .contains("schema.registry.ssl.truststore.location=")
                .contains("$component.kafka.sasl.jaas.config=")
                .contains("$component.schema.registry.basic.auth.user.info=")
                .doesNotContain("echo \"kafka.sasl.jaas.config");
    }

    @Test
    @SuppressWarnings("unchecked")
    void theRegistryIsTheProjectsOwnWithTlsAndAuthenticationAndItsOwnKafkaPrincipal() throws Exception {
        Map<String, Map<String, Object>> services = DeploymentFiles.services();
        services.forEach((name, service) -> assertThat(String.valueOf(service.get("image")))
                .as(name + "'s image")
                .doesNotContain("schema-registry"));
        Map<String, Object> registry = services.get("schema-registry");
        assertThat((List<String>) registry.get("command")).startsWith("registry");
        assertThat(registry).doesNotContainKey("ports");
        assertThat(appSettingsCalls()).containsEntry("schema-registry", List.of("registry"));
        String script = script();
        assertThat(script)
                .contains("registry.ssl.keystore.location=$APP_SECRETS/schema-registry.p12")
                .contains("registry.auth.users.file=$APP_SECRETS/registry-users")
                .doesNotContain("registry.allow.open");
        // The ACLs come from `streamrlhf acls --create` before the registry and the components start
        assertThat((List<String>) services.get("acls").get("command")).startsWith("acls", "--create");
        assertThat(String.valueOf(registry.get("depends_on"))).contains("acls");
        assertThat(String.valueOf(services.get("streams").get("depends_on")))
                .contains("acls")
                .contains("schema-registry");
    }

    @Test
    @SuppressWarnings("unchecked")
    void onlyTheGatewayOverHttpsAndTheDashboardArePublishedAndOnlyOnLoopback() throws Exception {
        Map<String, List<String>> published = new LinkedHashMap<>();
        DeploymentFiles.services().forEach((name, service) -> {
            List<Object> ports = (List<Object>) service.getOrDefault("ports", List.of());
            if (!ports.isEmpty()) {
                published.put(name, ports.stream().map(String::valueOf).toList());
            }
        });
        assertThat(published.keySet()).containsOnly("gateway", "dashboard", "prometheus");
        published.forEach((name, ports) -> assertThat(ports)
                .as(name + "'s host ports")
                .allSatisfy(p -> assertThat(p).startsWith("127.0.0.1:")));
        // The gateway serves HTTPS with the certificate the secrets service made for it
        assertThat(script())
                .contains("gateway.tls.keystore=$APP_SECRETS/gateway.p12")
                .contains("server_keystore gateway");
    }

    @Test
    @SuppressWarnings("unchecked")
    void theSecretsServiceMakesEverySecretAndEachServiceMountsOnlyItsOwnFolder() throws Exception {
        Map<String, Map<String, Object>> services = DeploymentFiles.services();
        Map<String, Object> secrets = services.get("secrets");
        assertThat(secrets.get("restart")).isEqualTo("no");
        assertThat(String.valueOf(secrets.get("volumes"))).contains("secrets:/secrets");
        assertThat(String.valueOf(secrets.get("entrypoint"))).contains("secrets-init.sh");

        Set<String> folders = new LinkedHashSet<>(appSettingsCalls().keySet());
        folders.add("kafka");
        services.forEach((name, service) -> {
            if (name.equals("secrets")) {
                return;
            }
            for (Object volume : (List<Object>) service.getOrDefault("volumes", List.of())) {
                if (volume instanceof Map<?, ?> v && "secrets".equals(v.get("source"))) {
                    assertThat(v.get("read_only"))
                            .as(name + " mounts its secrets read-only")
                            .isEqualTo(true);
                    Object subpath = ((Map<String, Object>) v.get("volume")).get("subpath");
                    assertThat(subpath).as(name + "'s folder").isIn(name, "kafka");
                    assertThat(folders).as("folders the secrets service writes").contains((String) subpath);
                } else {
                    assertThat(String.valueOf(volume))
                            .as(name + " mounts the whole secrets volume")
                            .doesNotStartWith("secrets:");
                }
            }
            // Every service that reads secrets waits for them, directly or through another that does
            if (!mounts(service).isEmpty()) {
                assertThat(waitsForSecrets(services, name))
                        .as(name + " waits for the secrets service")
                        .isTrue();
            }
        });
        assertThat((Map<String, Object>) DeploymentFiles.yaml("compose.yml").get("volumes"))
                .containsKey("secrets");
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
                                .toLowerCase(Locale.ROOT)
                                .replace('_', '.')
                        : key.toLowerCase(Locale.ROOT).replace('_', '.');
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

    // ---- helpers

    private static boolean waitsForSecrets(Map<String, Map<String, Object>> services, String name) {
        Object depends = services.get(name).get("depends_on");
        if (!(depends instanceof Map<?, ?> map)) {
            return false;
        }
        for (Object other : map.keySet()) {
            if (other.equals("secrets") || waitsForSecrets(services, (String) other)) {
                return true;
            }
        }
        return false;
    }

    /** A service's secrets mounts: target to volume subpath. */
    @SuppressWarnings("unchecked")
    private static Map<String, String> mounts(Map<String, Object> service) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Object volume : (List<Object>) service.getOrDefault("volumes", List.of())) {
            if (volume instanceof Map<?, ?> v && "secrets".equals(v.get("source"))) {
                Object subpath = v.get("volume") instanceof Map<?, ?> o ? o.get("subpath") : null;
                out.put(String.valueOf(v.get("target")), String.valueOf(subpath));
            }
        }
        return out;
    }

    private interface StringVisitor {
        void visit(String path, String value);
    }

    private static void collectStrings(Object node, String path, StringVisitor visitor) {
        if (node instanceof Map<?, ?> map) {
            map.forEach((k, v) -> {
                visitor.visit(path + "/" + k, String.valueOf(k));
                collectStrings(v, path + "/" + k, visitor);
            });
        } else if (node instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                collectStrings(list.get(i), path + "[" + i + "]", visitor);
            }
        } else if (node != null) {
            visitor.visit(path, String.valueOf(node));
        }
    }

    private static String script() throws Exception {
        return Files.readString(DeploymentFiles.DOCKER.resolve("secrets-init.sh"));
    }

    /** The broker's server.properties as the script writes it (its here-document). */
    private static Map<String, String> brokerProperties() throws Exception {
        String script = script();
        int start = script.indexOf("cat >\"$S/kafka/server.properties\" <<EOF\n");
        assertThat(start).as("the script writes the broker's server.properties").isNotNegative();
        int from = script.indexOf('\n', start) + 1;
        String body = script.substring(from, script.indexOf("\nEOF\n", from));
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : body.split("\n")) {
            int eq = line.indexOf('=');
            out.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return out;
    }

    /** Each {@code app_settings SERVICE COMPONENT...} call of the script: service to components. */
    private static Map<String, List<String>> appSettingsCalls() throws Exception {
        Map<String, List<String>> out = new LinkedHashMap<>();
        Matcher m =
                Pattern.compile("(?m)^app_settings ([a-z-]+)((?: [a-z-]+)+)$").matcher(script());
        while (m.find()) {
            out.put(m.group(1), List.of(m.group(2).trim().split(" ")));
        }
        return out;
    }

    /** The body of the script's shell function {@code name}. */
    private static String function(String name) throws Exception {
        String script = script();
        int start = script.indexOf("\n" + name + "() {\n");
        assertThat(start).as("function " + name).isNotNegative();
        return script.substring(start, script.indexOf("\n}\n", start));
    }
}
