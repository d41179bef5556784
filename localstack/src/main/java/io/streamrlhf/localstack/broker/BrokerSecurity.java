package io.streamrlhf.localstack.broker;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Security of the embedded broker: one client listener, either {@code SASL_SSL} (SCRAM-SHA-512 over TLS) or
 * {@code SSL} with client certificates required ({@link Mode#MTLS}), for clients and between brokers, the {@code StandardAuthorizer} with the admin principal as the only super user, and a
 * {@code SASL_PLAINTEXT} controller listener on loopback (SCRAM cannot authenticate the controller quorum, so it
 * uses PLAIN with the admin's credentials, the set-up Kafka documents for KRaft).
 *
 * <p>Passwords and TLS files live in one folder, {@code secrets.properties} and the keystores readable by their
 * owner only, and are reused on the next start, so that a persistent broker keeps its SCRAM credentials and a
 * client keeps trusting its certificate. Users missing from the file get a new random password.
 *
 * <p>Every user also gets a client certificate ({@code CN=<user>}, signed by the broker's authority), and under
 * {@link Mode#MTLS} the broker maps a certificate's {@code CN} to the principal {@code User:<user>}
 * ({@code ssl.principal.mapping.rules}), the same principal name the user's SCRAM credential has: the ACLs of
 * one mode hold unchanged in the other.
 */
public final class BrokerSecurity {

    /** How clients authenticate to the broker. */
    public enum Mode {
        /** SCRAM-SHA-512 over TLS; the principal is the SCRAM user. */
        SASL_SSL,
        /** TLS with a client certificate required; the principal is the certificate's {@code CN}. */
        MTLS
    }

    /**
     * The broker's own principal under {@link Mode#MTLS}: the {@code CN} of its certificate, which it presents
     * to itself between brokers (transaction markers), so it is a super user as well.
     */
    public static final String BROKER_PRINCIPAL = "localhost";

    /** Maps {@code CN=<name>} (the whole subject of the certificates made here) to {@code <name>}. */
    static final String PRINCIPAL_MAPPING_RULES = "RULE:^CN=([a-zA-Z0-9._-]{1,64})$/$1/,DEFAULT";

    /** The SASL mechanism of clients and brokers. */
    public static final String MECHANISM = "SCRAM-SHA-512";

    /** The registry's writer user on a secured stack. */
    public static final String REGISTRY_WRITER = "streamrlhf";
    /** The registry's admin user on a secured stack. */
    public static final String REGISTRY_ADMIN = "streamrlhf-admin";
    /** The registry's read-only user on a secured stack. */
    public static final String REGISTRY_READER = "streamrlhf-reader";

    private static final String SECRETS = "secrets.properties";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Mode mode;
    private final String admin;
    private final Map<String, String> passwords;
    private final Map<String, String> keystorePasswords;
    private final TlsMaterial tls;
    /** The registry's own users (writer, admin, reader) by role name: passwords, not Kafka credentials. */
    private final Map<String, String> registryPasswords;

    private BrokerSecurity(
            Mode mode,
            String admin,
            Map<String, String> passwords,
            Map<String, String> keystorePasswords,
            TlsMaterial tls,
            Map<String, String> registryPasswords) {
        this.mode = mode;
        this.admin = admin;
        this.passwords = Map.copyOf(passwords);
        this.keystorePasswords = Map.copyOf(keystorePasswords);
        this.tls = tls;
        this.registryPasswords = Map.copyOf(registryPasswords);
    }

    /**
     * The security kept in {@code dir}, made there first if missing: {@code admin} is the super user,
     * {@code users} each get a SCRAM credential, clients authenticate with SASL_SSL.
     */
    public static BrokerSecurity loadOrCreate(Path dir, String admin, Collection<String> users) {
        return loadOrCreate(dir, admin, users, Mode.SASL_SSL);
    }

    /**
     * The security kept in {@code dir}, made there first if missing, with clients authenticating by {@code mode}.
     * Each user has a SCRAM credential and a client certificate in either mode, so one data folder may be started
     * in either: the principals, hence the ACLs, are the same.
     */
    public static BrokerSecurity loadOrCreate(Path dir, String admin, Collection<String> users, Mode mode) {
        Objects.requireNonNull(admin, "admin");
        Objects.requireNonNull(mode, "mode");
        Path secretsFile = dir.resolve(SECRETS);
        Properties secrets = new Properties();
        try {
            Files.createDirectories(dir);
            if (Files.getFileStore(dir).supportsFileAttributeView("posix")) {
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
            }
            if (Files.isRegularFile(secretsFile)) {
                try (Reader in = Files.newBufferedReader(secretsFile)) {
                    secrets.load(in);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the broker's secrets in " + dir, e);
        }
        boolean changed = false;
        Map<String, String> passwords = new TreeMap<>();
        for (String user : concat(admin, users)) {
            if (!user.matches("[a-zA-Z0-9._-]{1,64}")) {
                throw new IllegalArgumentException("Principal name '" + user + "' must be 1-64 of [a-zA-Z0-9._-]");
            }
            String password = secrets.getProperty("password." + user);
            if (password == null) {
                password = randomSecret();
                secrets.setProperty("password." + user, password);
                changed = true;
            }
            passwords.put(user, password);
        }
        Map<String, String> registryPasswords = new TreeMap<>();
        // "registry.password" is the writer's, as before roles existed, so that an existing data.dir keeps it.
        for (String key : List.of("registry.password", "registry.admin.password", "registry.reader.password")) {
            String password = secrets.getProperty(key);
            if (password == null) {
                password = randomSecret();
                secrets.setProperty(key, password);
                changed = true;
            }
            registryPasswords.put(key, password);
        }
        // Each user also gets its own registry password, so that a component authenticates to the registry as
        // itself (the role is the stack's choice, see LocalStack.secured).
        for (String user : passwords.keySet()) {
            String key = "registry.password." + user;
            if (secrets.getProperty(key) == null) {
                secrets.setProperty(key, randomSecret());
                changed = true;
            }
            registryPasswords.put(key, secrets.getProperty(key));
        }
        Map<String, String> keystorePasswords = new TreeMap<>();
        for (String user : passwords.keySet()) {
            String password = secrets.getProperty("keystore.password." + user);
            if (password == null) {
                password = randomSecret();
                secrets.setProperty("keystore.password." + user, password);
                changed = true;
            }
            keystorePasswords.put(user, password);
        }
        TlsMaterial tls = new TlsMaterial(
                dir.resolve("broker.keystore.p12"),
                dir.resolve("truststore.p12"),
                secrets.getProperty("keystore.password", ""),
                secrets.getProperty("truststore.password", ""));
        TlsMaterial existing = tls;
        // The authority's key is not kept: a missing client certificate (a folder made before client
        // certificates, or a user added since) means a new authority and every certificate made again.
        boolean clientMissing =
                passwords.keySet().stream().anyMatch(user -> !Files.isRegularFile(existing.clientKeystore(user)));
        if (!tls.present() || tls.keystorePassword().isEmpty() || (mode == Mode.MTLS && clientMissing)) {
            tls = TlsMaterial.generate(dir, randomSecret(), randomSecret(), keystorePasswords);
            secrets.setProperty("keystore.password", tls.keystorePassword());
            secrets.setProperty("truststore.password", tls.truststorePassword());
            changed = true;
        }
        if (changed) {
            StringWriter text = new StringWriter();
            try {
                secrets.store(text, "Secrets of the embedded broker: keep private");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            OwnerOnly.write(secretsFile, text.toString());
        }
        return new BrokerSecurity(mode, admin, passwords, keystorePasswords, tls, registryPasswords);
    }

    private static Collection<String> concat(String admin, Collection<String> users) {
        java.util.LinkedHashSet<String> all = new java.util.LinkedHashSet<>();
        all.add(admin);
        all.addAll(users);
        return all;
    }

    private static String randomSecret() {
        byte[] bytes = new byte[24];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** How clients authenticate. */
    public Mode mode() {
        return mode;
    }

    /** The super user's name. */
    public String admin() {
        return admin;
    }

    /** Every principal with a SCRAM credential (the admin included), by name. */
    public Map<String, String> passwords() {
        return passwords;
    }

    /**
     * The {@code user:password} of the embedded schema registry's writer on a secured stack (HTTP basic auth,
     * the role the components need: they register their schemas on first use), kept with the broker's secrets;
     * it is not a Kafka credential.
     */
    public String registryUserInfo() {
        return REGISTRY_WRITER + ":" + registryPasswords.get("registry.password");
    }

    /** The {@code user:password} of the registry's admin: may also change compatibility and delete. */
    public String registryAdminUserInfo() {
        return REGISTRY_ADMIN + ":" + registryPasswords.get("registry.admin.password");
    }

    /** The {@code user:password} of the registry's read-only user (the dashboard's). */
    public String registryReaderUserInfo() {
        return REGISTRY_READER + ":" + registryPasswords.get("registry.reader.password");
    }

    /**
     * The {@code user:password} with which the Kafka user {@code user} authenticates to the registry (its
     * registry user has the same name; its role is given where the registry's users are made).
     *
     * @throws IllegalArgumentException for a user this security does not know
     */
    public String registryUserInfo(String user) {
        String password = registryPasswords.get("registry.password." + user);
        if (password == null) {
            throw new IllegalArgumentException(
                    "No registry credential for '" + user + "'; known: " + passwords.keySet());
        }
        return user + ":" + password;
    }

    /** The TLS files. */
    public TlsMaterial tls() {
        return tls;
    }

    /**
     * The client properties with which {@code user} connects: {@code security.protocol}, the truststore, and the
     * SASL mechanism and JAAS line ({@link Mode#SASL_SSL}) or the user's certificate keystore ({@link Mode#MTLS}).
     *
     * @throws IllegalArgumentException for a user without a credential
     */
    public Map<String, String> clientProperties(String user) {
        String password = passwords.get(user);
        if (password == null) {
            throw new IllegalArgumentException(
                    "No credential for principal '" + user + "'; known: " + passwords.keySet());
        }
        Map<String, String> p = new LinkedHashMap<>();
        if (mode == Mode.MTLS) {
            p.put("security.protocol", "SSL");
            p.put("ssl.keystore.type", "PKCS12");
            p.put("ssl.keystore.location", tls.clientKeystore(user).toString());
            p.put("ssl.keystore.password", keystorePasswords.get(user));
            p.put("ssl.key.password", keystorePasswords.get(user));
        } else {
            p.put("security.protocol", "SASL_SSL");
            p.put("sasl.mechanism", MECHANISM);
            p.put("sasl.jaas.config", scramJaas(user, password));
        }
        p.put("ssl.truststore.type", "PKCS12");
        p.put("ssl.truststore.location", tls.truststore().toAbsolutePath().toString());
        p.put("ssl.truststore.password", tls.truststorePassword());
        return p;
    }

    /** The broker settings for a client listener on {@code host:port} and a controller listener on its port. */
    Map<String, String> brokerProperties(String host, int port, int controllerPort) {
        String adminPassword = passwords.get(admin);
        Map<String, String> p = new LinkedHashMap<>();
        String listener = mode == Mode.MTLS ? "SSL" : "SASL_SSL";
        p.put("listeners", listener + "://" + host + ":" + port + ",CONTROLLER://" + host + ":" + controllerPort);
        p.put("advertised.listeners", listener + "://" + host + ":" + port);
        p.put("listener.security.protocol.map", listener + ":" + listener + ",CONTROLLER:SASL_PLAINTEXT");
        p.put("inter.broker.listener.name", listener);
        if (mode == Mode.MTLS) {
            p.put("sasl.enabled.mechanisms", "PLAIN");
            p.put("ssl.principal.mapping.rules", PRINCIPAL_MAPPING_RULES);
        } else {
            p.put("sasl.enabled.mechanisms", MECHANISM);
            p.put("sasl.mechanism.inter.broker.protocol", MECHANISM);
            p.put("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config", scramJaas(admin, adminPassword));
        }
        p.put("sasl.mechanism.controller.protocol", "PLAIN");
        p.put("listener.name.controller.sasl.enabled.mechanisms", "PLAIN");
        p.put(
                "listener.name.controller.plain.sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + admin
                        + "\" password=\"" + adminPassword + "\" user_" + admin + "=\"" + adminPassword + "\";");
        p.put("ssl.keystore.type", "PKCS12");
        p.put("ssl.keystore.location", tls.keystore().toAbsolutePath().toString());
        p.put("ssl.keystore.password", tls.keystorePassword());
        p.put("ssl.key.password", tls.keystorePassword());
        p.put("ssl.truststore.type", "PKCS12");
        p.put("ssl.truststore.location", tls.truststore().toAbsolutePath().toString());
        p.put("ssl.truststore.password", tls.truststorePassword());
        p.put("ssl.client.auth", mode == Mode.MTLS ? "required" : "none");
        p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        p.put("super.users", mode == Mode.MTLS ? "User:" + admin + ";User:" + BROKER_PRINCIPAL : "User:" + admin);
        p.put("allow.everyone.if.no.acl.found", "false");
        return p;
    }

    /** The formatter's argument that stores the admin's SCRAM credential before the first start. */
    String adminScramArgument() {
        return MECHANISM + "=[name=" + admin + ",password=" + passwords.get(admin) + "]";
    }

    static String scramJaas(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user + "\" password=\""
                + password + "\";";
    }

    /** Names the admin and the users only: passwords never reach a log line through this object. */
    @Override
    public String toString() {
        return "BrokerSecurity[mode=" + mode + ", admin=" + admin + ", users=" + passwords.keySet() + "]";
    }
}
