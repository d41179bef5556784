package io.streamrlhf.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad settings end a command with one line and exit code 2; {@code config} shows values, sources and masks. */
class CommandLineConfigTest {

    @TempDir
    Path dir;

    private final CommandRun cli = new CommandRun();

    @Test
    void runWithoutClusterAddressPrintsOneLineNamingTheKeyAndExitsWithTwo() {
        int code = cli.run("run", "trainer");

        assertThat(code).isEqualTo(2);
        assertThat(cli.err().lines())
                .containsExactly("streamrlhf: Setting bootstrap.servers is missing: the "
                        + "Kafka cluster every component uses, host:port[,host:port] (set by demo and up to the embedded "
                        + "broker) (set it with --set bootstrap.servers=... or STREAMRLHF_BOOTSTRAP_SERVERS=..., or in the "
                        + "--config file)");
        assertThat(cli.out()).isEmpty();
    }

    @Test
    void runWithAnOldCamelCaseKeySuggestsItsNewName() {
        int code = cli.run("run", "streams", "--set", "bootstrap.servers=b:9092", "--set", "kto.settleDelay=5s");

        assertThat(code).isEqualTo(2);
        assertThat(cli.err())
                .startsWith(
                        "streamrlhf: Unknown setting kto.settleDelay (from --set); did you mean " + "kto.settle.delay?")
                .doesNotContain("Exception")
                .doesNotContain("\tat ");
        assertThat(cli.err().lines()).hasSize(1);
    }

    @Test
    void runWithAMisspelledBooleanNamesKeyAndValue() {
        int code = cli.run(
                "run",
                "trainer",
                "--set",
                "bootstrap.servers=b:9092",
                "--set",
                "schema.registry.url=http://r:8081",
                "--set",
                "trainer.model.tied=ture");

        assertThat(code).isEqualTo(2);
        assertThat(cli.err())
                .startsWith(
                        "streamrlhf: Setting trainer.model.tied='ture' is not valid: expected "
                                + "true or false (set it with --set trainer.model.tied=... or STREAMRLHF_TRAINER_MODEL_TIED=...");
    }

    @Test
    void unknownKafkaClientSettingSuggestsTheClientConfig() {
        int code = cli.run("config", "--set", "trainer.kafka.lingr.ms=5");

        assertThat(code).isEqualTo(2);
        assertThat(cli.err())
                .startsWith("streamrlhf: Unknown Kafka client setting trainer.kafka.lingr.ms (from "
                        + "--set): lingr.ms is not a producer, consumer, admin or streams config; did you mean "
                        + "trainer.kafka.linger.ms?");
    }

    @Test
    void configPrintsEveryKeyWithItsValueAndSourceAndMasksSecrets() throws Exception {
        Path file = dir.resolve("streamrlhf.properties");
        Files.writeString(
                file,
                "kto.settle.delay=10s\ndpo.rho=0.2\nkafka.sasl.jaas.config=secret-jaas\n"
                        + "streams.kafka.producer.linger.ms=20\n");

        int code = cli.run(
                "config",
                "--config",
                file.toString(),
                "--set",
                "dpo.rho=0.3",
                "--set",
                "schema.registry.basic.auth.user.info=alice:pw",
                "--set",
                "gateway.api.keys=key-12345678",
                "--set",
                "versions.signing.key=signing-key-of-at-least-32-characters",
                "--set",
                "monitor.http.token=monitor-token-0123456789",
                "--set",
                "dashboard.monitor.token=monitor-token-0123456789",
                "--set",
                "registry.auth.users=ops:admin:registry-pw-1,ci:writer:registry-pw-2");

        assertThat(code).isEqualTo(0);
        assertThat(cli.out().lines())
                .contains(
                        "kto.settle.delay = 10s  (file " + file + ")",
                        "dpo.rho = 0.3  (--set)",
                        "dpo.derived.window = 1h  (default)",
                        "trainer.publish.every = 30s  (default)",
                        "streams.kafka.producer.linger.ms = 20  (file " + file + ")",
                        "kafka.sasl.jaas.config = ****  (file " + file + ")",
                        "schema.registry.basic.auth.user.info = ****  (--set)",
                        "gateway.api.keys = ****  (--set)",
                        "versions.signing.key = ****  (--set)",
                        "monitor.http.token = ****  (--set)",
                        "dashboard.monitor.token = ****  (--set)",
                        "registry.auth.users = ****  (--set)",
                        "trainer.warmstart.corpus =  (unset)");
        assertThat(cli.out())
                .doesNotContain(
                        "secret-jaas",
                        "alice:pw",
                        "key-12345678",
                        "signing-key-of-at-least-32-characters",
                        "monitor-token-0123456789",
                        "registry-pw");
        assertThat(cli.err()).isEmpty();
    }
}
