package io.streamrlhf.app.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.streamrlhf.app.config.KnownSettings;
import io.streamrlhf.config.Settings;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@code docker/secrets-init.sh} (the compose file's {@code secrets} service) outside Docker, with the JDK's
 * keytool, and checks what it writes: every service's settings file holds only known keys with valid values and
 * only its own credentials, the TLS servers' certificates are signed by the CA the truststore holds and name their
 * compose host, nothing is readable by others, and a second run keeps every password and certificate.
 */
class ComposeSecretsScriptTest {

    @TempDir
    static Path dir;

    private static Path secrets;

    @BeforeAll
    static void runTheScript() throws Exception {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        assumeTrue(Files.isExecutable(Path.of("/bin/sh")) && Files.isExecutable(keytool), "sh and keytool needed");
        secrets = dir.resolve("secrets");
        run(keytool);
    }

    private static void run(Path keytool) throws Exception {
        Object uid = Files.getAttribute(dir, "unix:uid");
        ProcessBuilder builder = new ProcessBuilder(
                        "/bin/sh",
                        DeploymentFiles.DOCKER.resolve("secrets-init.sh").toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("script.log").toFile());
        Map<String, String> env = builder.environment();
        env.put("SECRETS_DIR", secrets.toString());
        env.put(
                "SHARED_PROPERTIES",
                DeploymentFiles.DOCKER.resolve("streamrlhf.properties").toString());
        env.put("KAFKA_UID", String.valueOf(uid));
        env.put("APP_UID", String.valueOf(uid));
        // Smaller keys than the deployment's: the test checks the layout, not the strength
        env.put("KEY_SIZE", "2048");
        env.put("PATH", keytool.getParent() + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
        Process process = builder.start();
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).as("script finished").isTrue();
        assertThat(process.exitValue())
                .as(Files.readString(dir.resolve("script.log")))
                .isZero();
    }

    @Test
    void everyServiceSettingsFileHoldsOnlyKnownValidKeysAndItsOwnCredentials() throws Exception {
        List<String> services = List.of(
                "topics",
                "acls",
                "streams",
                "trainer",
                "sampler",
                "erasures",
                "users",
                "dashboard",
                "gateway",
                "schema-registry");
        for (String service : services) {
            Path file = secrets.resolve(service).resolve("streamrlhf.properties");
            // Every key is one the command line accepts, every value parses (an unknown key fails the check)
            Settings settings = Settings.load(file, Map.of(), Map.of());
            KnownSettings.catalog().check(settings);
            Map<String, String> values = settings.asMap();
            assertThat(values)
                    .as(service)
                    .containsEntry("kafka.security.protocol", "SASL_SSL")
                    .containsEntry("kafka.sasl.mechanism", "SCRAM-SHA-512")
                    .doesNotContainKey("kafka.sasl.jaas.config");
            // No credential of another principal
            String text = Files.readString(file);
            for (String other : List.of("streams", "trainer", "sampler", "gateway", "dashboard", "erasures")) {
                if (!other.equals(service)) {
                    assertThat(text)
                            .as(service + " holds " + other + "'s credential")
                            .doesNotContain("username=\"streamrlhf-" + other + "\"")
                            .doesNotContain("streamrlhf-" + other + ":");
                }
            }
        }
        assertThat(Files.readString(secrets.resolve("users/streamrlhf.properties")))
                .contains("prompts.kafka.sasl.jaas.config=")
                .contains("users.kafka.sasl.jaas.config=");
        assertThat(Files.readString(secrets.resolve("schema-registry/streamrlhf.properties")))
                .contains("registry.kafka.sasl.jaas.config=")
                .contains("registry.auth.users.file=");
        assertThat(Files.readAllLines(secrets.resolve("schema-registry/registry-users")))
                .anyMatch(l -> l.startsWith("streamrlhf-admin:admin:"))
                .anyMatch(l -> l.startsWith("streamrlhf-trainer:writer:"))
                .anyMatch(l -> l.startsWith("streamrlhf-dashboard:reader:"));
    }

    @Test
    void theServersCertificatesNameTheirHostAndAreSignedByTheTrustedAuthority() throws Exception {
        KeyStore trust = load(secrets.resolve("kafka/truststore.p12"), secret("truststore"));
        X509Certificate ca = (X509Certificate) trust.getCertificate("ca");
        for (String host : List.of("kafka", "schema-registry", "gateway")) {
            Path keystore = secrets.resolve(host).resolve(host + ".p12");
            KeyStore keys = load(keystore, secret(host + ".keystore"));
            X509Certificate cert = (X509Certificate) keys.getCertificate(host);
            cert.verify(ca.getPublicKey());
            assertThat(cert.getSubjectAlternativeNames())
                    .as(host + "'s names")
                    .anySatisfy(n -> assertThat(n).isEqualTo(List.of(2, host)));
            assertThat(keys.isKeyEntry(host)).isTrue();
        }
        // The authority's key stays in its own folder, which no service mounts
        try (Stream<Path> files = Files.walk(secrets)) {
            assertThat(files.filter(p -> p.getFileName().toString().equals("ca.p12")))
                    .allSatisfy(p ->
                            assertThat(p.getParent().getFileName().toString()).isEqualTo(".ca"));
        }
    }

    @Test
    void nothingIsReadableByOthersAndASecondRunKeepsEveryPassword() throws Exception {
        try (Stream<Path> files = Files.walk(secrets)) {
            files.forEach(p -> {
                try {
                    String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
                    assertThat(mode).as(p.toString()).endsWith("------");
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }
        String before = Files.readString(secrets.resolve("gateway/streamrlhf.properties"));
        byte[] keystore = Files.readAllBytes(secrets.resolve("kafka/kafka.p12"));

        run(Path.of(System.getProperty("java.home"), "bin", "keytool"));

        assertThat(Files.readString(secrets.resolve("gateway/streamrlhf.properties")))
                .isEqualTo(before);
        assertThat(Files.readAllBytes(secrets.resolve("kafka/kafka.p12"))).isEqualTo(keystore);
    }

    private static String secret(String name) throws Exception {
        return Files.readString(secrets.resolve(".ca").resolve(name + ".secret"));
    }

    private static KeyStore load(Path file, String password) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, password.toCharArray());
        }
        return store;
    }
}
