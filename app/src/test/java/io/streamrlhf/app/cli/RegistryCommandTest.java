package io.streamrlhf.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code streamrlhf registry} refuses bad settings before it touches Kafka: one line naming the key, exit code 2,
 * and no password in the line. Its Kafka side is {@code RegistryServiceIT}.
 */
class RegistryCommandTest {

    @TempDir
    Path dir;

    private final CommandRun cli = new CommandRun();

    @Test
    void anOpenRegistryOnEveryInterfaceIsRefusedNamingTheUsersSetting() {
        int code = cli.run("registry", "--set", "bootstrap.servers=127.0.0.1:1", "--set", "registry.bind=0.0.0.0");

        assertThat(code).isEqualTo(2);
        assertThat(cli.err().lines())
                .hasSize(1)
                .first()
                .satisfies(line -> assertThat(line)
                        .startsWith("streamrlhf: ")
                        .contains("registry.auth.users")
                        .contains("0.0.0.0"));
        assertThat(cli.out()).isEmpty();
    }

    @Test
    void aUsersFileWithAnUnknownRoleNamesTheFileAndTheRoleButNotThePassword() throws Exception {
        Path users = Files.writeString(dir.resolve("users"), "ops:admin:pw-one-1\nbob:superuser:hunter22\n");

        int code = cli.run(
                "registry", "--set", "bootstrap.servers=127.0.0.1:1", "--set", "registry.auth.users.file=" + users);

        assertThat(code).isEqualTo(2);
        assertThat(cli.err().lines())
                .hasSize(1)
                .first()
                .satisfies(line -> assertThat(line)
                        .contains("registry.auth.users.file")
                        .contains(users.toString())
                        .contains("superuser")
                        .doesNotContain("hunter22")
                        .doesNotContain("pw-one-1"));
    }

    @Test
    void aKeystoreWithoutItsPasswordOrAMissingKeystoreExitsWithTwo() throws Exception {
        Path keystore = Files.write(dir.resolve("ks.p12"), new byte[] {1, 2, 3});

        assertThat(cli.run(
                        "registry",
                        "--set",
                        "bootstrap.servers=127.0.0.1:1",
                        "--set",
                        "registry.ssl.keystore.location=" + keystore))
                .isEqualTo(2);
        assertThat(cli.err()).contains("registry.ssl.keystore.password");
        assertThat(cli.run(
                        "registry",
                        "--set",
                        "bootstrap.servers=127.0.0.1:1",
                        "--set",
                        "registry.ssl.keystore.location=" + dir.resolve("missing.p12"),
                        "--set",
                        "registry.ssl.keystore.password=x"))
                .isEqualTo(2);
        assertThat(cli.err().lines()).hasSize(2);
    }

    @Test
    void theRegistrysOwnKafkaOverridesAreKnownSettings() {
        // A typo in registry.kafka.* is refused like any other component's passthrough
        int code = cli.run(
                "registry",
                "--set",
                "bootstrap.servers=127.0.0.1:1",
                "--set",
                "registry.bind=0.0.0.0",
                "--set",
                "registry.kafka.security.protocl=SASL_SSL");

        assertThat(code).isEqualTo(2);
        assertThat(cli.err()).contains("registry.kafka.security.protocl").contains("security.protocol");
    }
}
