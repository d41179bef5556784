package io.streamrlhf.app.security;

import io.streamrlhf.config.ClusterSettings;
import io.streamrlhf.config.KafkaKeys;
import io.streamrlhf.localstack.broker.BrokerSecurity;
import io.streamrlhf.localstack.broker.OwnerOnly;
import io.streamrlhf.localstack.registry.RegistryRole;
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
        return start(config, settings, BrokerSecurity.Mode.SASL_SSL);
    }

    /**
     * As {@link #start(StackConfig, Map)}, with the components authenticating by {@code mode}: a SCRAM password
     * each ({@link BrokerSecurity.Mode#SASL_SSL}) or a client certificate each ({@link BrokerSecurity.Mode#MTLS}),
     * under the same principal names, hence the same ACLs.
     */
    public static SecureStack start(StackConfig config, Map<String, String> settings, BrokerSecurity.Mode mode) {
        String prefix = SecurityKeys.PRINCIPAL_PREFIX.get(settings);
        List<String> users = Arrays.stream(ComponentPrincipal.values())
                .filter(SecureStack::hasOwnCredential)
                .map(c -> c.userName(prefix))
                .toList();
        Map<String, RegistryRole> registryRoles = new TreeMap<>();
        for (ComponentPrincipal c : ComponentPrincipal.values()) {
            c.registryRole().ifPresent(role -> registryRoles.put(c.userName(prefix), role));
        }
        LocalStack stack = LocalStack.secured(
                        config, ComponentPrincipal.ADMIN.userName(prefix), users, mode, registryRoles)
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
     * {@code kafka.security.protocol} and truststore (and SASL mechanism), and each component's own credential:
     * {@code <component>.kafka.sasl.jaas.config} under SASL_SSL, {@code <component>.kafka.ssl.keystore.*} (its
     * certificate) under mTLS; the admin's for {@code admin} and {@code topics}. No shared credential
     * ({@code kafka.sasl.jaas.config}, {@code kafka.ssl.keystore.location}): a component left out authenticates
     * as nobody rather than as another.
     */
    public static Map<String, String> clientSettings(BrokerSecurity security, String prefix) {
        Map<String, String> out = new LinkedHashMap<>();
        security.clientProperties(security.admin()).forEach((k, v) -> {
            if (!OWN_CREDENTIAL.contains(k)) {
                out.put(KafkaKeys.PREFIX + k, v);
            }
        });
        for (ComponentPrincipal c : ComponentPrincipal.values()) {
            if (c == ComponentPrincipal.ADMIN || hasOwnCredential(c)) {
                putCredential(out, c.component(), security.clientProperties(c.userName(prefix)));
            }
        }
        putCredential(out, "topics", security.clientProperties(security.admin()));
        // The registry as the Kafka cluster: each component as itself, with its role (ComponentPrincipal), and
        // anything else (a tool, a component left out) as the read-only user.
        out.put(ClusterSettings.SCHEMA_REGISTRY_USER_INFO.name(), security.registryReaderUserInfo());
        for (ComponentPrincipal c : ComponentPrincipal.values()) {
            if (c == ComponentPrincipal.REGISTRY) {
                continue;
            }
            out.put(
                    c.component() + "." + ClusterSettings.SCHEMA_REGISTRY_USER_INFO.name(),
                    c == ComponentPrincipal.ADMIN
                            ? security.registryAdminUserInfo()
                            : security.registryUserInfo(c.userName(prefix)));
        }
        return out;
    }

    /**
     * Whether the local stack makes a credential for {@code c}: every component but the admin (the broker's super
     * user, made on its own) and the registry (the stack's registry runs in-process as the admin).
     */
    private static boolean hasOwnCredential(ComponentPrincipal c) {
        return c != ComponentPrincipal.ADMIN && c != ComponentPrincipal.REGISTRY;
    }

    /** The client properties that identify one principal, given to each component on its own. */
    private static final List<String> OWN_CREDENTIAL =
            List.of("sasl.jaas.config", "ssl.keystore.location", "ssl.keystore.password", "ssl.key.password");

    private static void putCredential(Map<String, String> out, String component, Map<String, String> client) {
        for (String key : OWN_CREDENTIAL) {
            String value = client.get(key);
            if (value != null) {
                out.put(component + "." + KafkaKeys.PREFIX + key, value);
            }
        }
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
