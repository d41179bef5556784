package io.streamrlhf.app.security;

import io.streamrlhf.config.ClusterSettings;
import io.streamrlhf.config.KafkaKeys;
import io.streamrlhf.localstack.broker.BrokerSecurity;
import io.streamrlhf.localstack.broker.OwnerOnly;
import io.streamrlhf.localstack.stack.LocalStack;
import io.streamrlhf.localstack.stack.StackConfig;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;

/**
 * The secured local stack of {@code up --secure} and {@code demo --secure}: the embedded broker with SASL_SSL and
 * ACLs, a SCRAM user per component ({@link ComponentPrincipal}) with exactly the ACLs of {@link KafkaAcls}, and
 * the client settings every component needs, written to {@code <data.dir>/security/client.properties} (mode
 * {@code 0600}) so that each component started elsewhere ({@code streamrlhf run --config ...}) uses its own
 * principal through {@code <component>.kafka.sasl.jaas.config}.
 */
public final class SecureStack {

    /** Name of the client settings file under {@code <data.dir>/security}. */
    public static final String CLIENT_FILE = "client.properties";

    private final LocalStack stack;
    private final Map<String, String> clientSettings;
    private final Path clientFile;

    private SecureStack(LocalStack stack, Map<String, String> clientSettings, Path clientFile) {
        this.stack = stack;
        this.clientSettings = Map.copyOf(clientSettings);
        this.clientFile = clientFile;
    }

    /**
     * Starts the secured stack, creates every component's ACLs for {@code settings} (topic names, groups,
     * transactional ids) and writes the client settings file.
     */
    public static SecureStack start(StackConfig config, Map<String, String> settings) {
        String prefix = SecurityKeys.PRINCIPAL_PREFIX.get(settings);
        List<String> users = Arrays.stream(ComponentPrincipal.values())
                .filter(c -> c != ComponentPrincipal.ADMIN)
                .map(c -> c.userName(prefix))
                .toList();
        LocalStack stack = LocalStack.secured(config, ComponentPrincipal.ADMIN.userName(prefix), users)
                .start();
        try {
            try (Admin admin = Admin.create(stack.adminProperties())) {
                admin.createAcls(KafkaAcls.forSettings(settings).bindings())
                        .all()
                        .get(60, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                throw new IllegalStateException("Cannot create the components' ACLs: " + e, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while creating ACLs", e);
            }
            Map<String, String> client = clientSettings(stack.security().orElseThrow(), prefix);
            Map<String, String> file = new TreeMap<>(client);
            file.put(ClusterSettings.BOOTSTRAP_SERVERS.name(), stack.bootstrapServers());
            file.put(ClusterSettings.SCHEMA_REGISTRY_URL.name(), stack.registryUrl());
            Path clientFile = config.dataDir().resolve("security").resolve(CLIENT_FILE);
            OwnerOnly.write(clientFile, propertiesText(file));
            return new SecureStack(stack, client, clientFile);
        } catch (RuntimeException e) {
            stack.close();
            throw e;
        }
    }

    /**
     * The settings that give every component its own principal on {@code security}'s broker: the shared
     * {@code kafka.security.protocol}, SASL mechanism and truststore, and one
     * {@code <component>.kafka.sasl.jaas.config} each (the admin's for {@code admin} and {@code topics}). No
     * {@code kafka.sasl.jaas.config}: a component left out authenticates as nobody rather than as another.
     */
    public static Map<String, String> clientSettings(BrokerSecurity security, String prefix) {
        Map<String, String> out = new LinkedHashMap<>();
        security.clientProperties(security.admin()).forEach((k, v) -> {
            if (!k.equals("sasl.jaas.config")) {
                out.put(KafkaKeys.PREFIX + k, v);
            }
        });
        for (ComponentPrincipal c : ComponentPrincipal.values()) {
            out.put(
                    c.component() + "." + KafkaKeys.PREFIX + "sasl.jaas.config",
                    security.clientProperties(c.userName(prefix)).get("sasl.jaas.config"));
        }
        out.put(
                "topics." + KafkaKeys.PREFIX + "sasl.jaas.config",
                security.clientProperties(security.admin()).get("sasl.jaas.config"));
        out.put(ClusterSettings.SCHEMA_REGISTRY_USER_INFO.name(), security.registryUserInfo());
        return out;
    }

    private static String propertiesText(Map<String, String> settings) {
        StringBuilder text = new StringBuilder(
                "# StreamRLHF secured local stack: client settings and credentials of every"
                        + " component.\n# Keep private (mode 0600). Use with: streamrlhf run <component> --config <this file>\n");
        settings.forEach((k, v) -> text.append(k)
                .append('=')
                .append(v.replace("\\", "\\\\").replace("\n", "\\n"))
                .append('\n'));
        return text.toString();
    }

    /** The embedded stack. */
    public LocalStack stack() {
        return stack;
    }

    /** Settings to merge into every component's settings (credentials included: never print them). */
    public Map<String, String> clientSettings() {
        return clientSettings;
    }

    /** Where the client settings were written. */
    public Path clientFile() {
        return clientFile;
    }
}
