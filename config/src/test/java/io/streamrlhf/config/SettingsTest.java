package io.streamrlhf.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {

    @TempDir
    Path dir;

    @Test
    void aBadValueOfASettingMarkedSecretIsMaskedInTheError() {
        Setting<String> token = Setting.string("some.http.token", null, "a token")
                .requiring(t -> t.length() >= 16, "at least 16 characters")
                .secret();
        assertThatThrownBy(() -> token.get(Map.of("some.http.token", "short-tok")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("some.http.token")
                .hasMessageContaining(Secrets.MASK)
                .hasMessageNotContaining("short-tok");
    }

    @Test
    void mapsEnvironmentVariablesToDottedKeysAndSkipsTheLaunchersOwn() {
        Settings s = Settings.load(
                null,
                Map.of(
                        "STREAMRLHF_BOOTSTRAP_SERVERS", "b:9092",
                        "STREAMRLHF_TRAINER_PUBLISH_EVERY", "30s",
                        "STREAMRLHF_LAUNCHER_JAVA_OPTS", "-Xmx1g",
                        "TRAINER_MODEL_ID", "ignored",
                        "PATH", "/bin"),
                Map.of());

        assertThat(s.asMap())
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of("bootstrap.servers", "b:9092", "trainer.publish.every", "30s"));
        assertThat(Settings.envName("trainer.kafka.sasl.jaas.config"))
                .isEqualTo("STREAMRLHF_TRAINER_KAFKA_SASL_JAAS_CONFIG");
    }

    @Test
    void laterLayersWinAndEachValueKeepsItsSource() throws Exception {
        Path file = dir.resolve("s.properties");
        Files.writeString(file, "a.one=file\na.two=file\na.three=file\n");

        Settings s = Settings.load(
                file, Map.of("STREAMRLHF_A_TWO", "env", "STREAMRLHF_A_THREE", "env"), Map.of("a.three", "set"));

        assertThat(s.values())
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "a.one", new Settings.Value("file", "file " + file),
                        "a.two", new Settings.Value("env", "env STREAMRLHF_A_TWO"),
                        "a.three", new Settings.Value("set", "--set")));
    }

    @Test
    void missingConfigFileIsAConfigError() {
        assertThatThrownBy(() -> Settings.load(dir.resolve("nope.properties"), Map.of(), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("nope.properties does not exist");
    }

    @Test
    void settingReadsItsValueOrDefaultAndValidates() {
        Setting<Duration> every = Setting.duration("trainer.publish.every", Duration.ofSeconds(30), "how often")
                .requiring(d -> !d.isNegative() && !d.isZero(), "a positive duration");

        assertThat(every.get(Map.of())).isEqualTo(Duration.ofSeconds(30));
        assertThat(every.get(Map.of("trainer.publish.every", "5m"))).isEqualTo(Duration.ofMinutes(5));
        assertThat(every.get(Map.of("trainer.publish.every", " "))).isEqualTo(Duration.ofSeconds(30));
        assertThat(every.defaultText()).isEqualTo("30s");
        assertThatThrownBy(() -> every.get(Map.of("trainer.publish.every", "0s")))
                .hasMessageStartingWith(
                        "Setting trainer.publish.every='0s' is not valid: expected a positive duration");
    }

    @Test
    void requiredSettingWithoutValueNamesTheKeyAndHowToSetIt() {
        Setting<String> servers = Setting.string("bootstrap.servers", null, "the Kafka cluster, host:port[,host:port]");

        assertThatThrownBy(() -> servers.get(Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage(
                        "Setting bootstrap.servers is missing: the Kafka cluster, host:port[,host:port] (set it with"
                                + " --set bootstrap.servers=... or STREAMRLHF_BOOTSTRAP_SERVERS=..., or in the --config file)");
    }

    @Test
    void settingNamesMustBeDottedLowerCase() {
        assertThatThrownBy(() -> Setting.integer("dpo.derivedWindow", 1, "x"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void unknownKeySuggestsTheClosestKnownKey() {
        KeyCatalog catalog = new KeyCatalog(
                List.of(
                        Setting.duration("kto.settle.delay", Duration.ofSeconds(30), "x"),
                        Setting.duration("dpo.derived.window", Duration.ofMinutes(10), "x")),
                List.of("acks", "linger.ms"));

        assertThatThrownBy(() -> catalog.check(Settings.of(Map.of("kto.settleDelay", "5s"), "--set")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("Unknown setting kto.settleDelay (from --set); did you mean kto.settle.delay?");
        assertThatThrownBy(() -> catalog.check(Settings.of(Map.of("dpo.derived.windw", "5s"), "--set")))
                .hasMessageStartingWith(
                        "Unknown setting dpo.derived.windw (from --set); did you mean dpo.derived.window?");
        assertThatThrownBy(() -> catalog.check(Settings.of(Map.of("completely.different.thing", "5s"), "--set")))
                .hasMessageStartingWith("Unknown setting completely.different.thing (from --set) (see");
    }

    @Test
    void kafkaPassthroughIsCheckedAgainstClientConfigNames() {
        KeyCatalog catalog = new KeyCatalog(List.of(), List.of("acks", "linger.ms", "security.protocol"));

        catalog.check(Settings.of(Map.of("kafka.acks", "all", "trainer.kafka.linger.ms", "5")));
        assertThatThrownBy(() ->
                        catalog.check(Settings.of(Map.of("kafka.lingr.ms", "5"), "env STREAMRLHF_KAFKA_LINGR_MS")))
                .hasMessageStartingWith(
                        "Unknown Kafka client setting kafka.lingr.ms (from env STREAMRLHF_KAFKA_LINGR_MS):"
                                + " lingr.ms is not a producer, consumer, admin or streams config; did you mean kafka.linger.ms?");
        assertThatThrownBy(() -> catalog.check(Settings.of(Map.of("trainer.kafka.ack", "all"))))
                .hasMessageContaining("did you mean trainer.kafka.acks?");
    }

    @Test
    void kafkaPassthroughCannotDuplicateADedicatedKey() {
        KeyCatalog catalog = new KeyCatalog(
                List.of(Setting.string("bootstrap.servers", null, "x")), List.of("bootstrap.servers", "acks"));

        assertThatThrownBy(() -> catalog.check(Settings.of(Map.of("kafka.bootstrap.servers", "b:1"), "--set")))
                .hasMessage("Setting kafka.bootstrap.servers (from --set) duplicates bootstrap.servers, which every "
                        + "component reads; set bootstrap.servers instead");
    }

    @Test
    void checkAlsoParsesEveryKnownValue() {
        KeyCatalog catalog = new KeyCatalog(List.of(Setting.bool("trainer.model.tied", true, "x")), List.of());

        assertThatThrownBy(() -> catalog.check(Settings.of(Map.of("trainer.model.tied", "ture"))))
                .hasMessageStartingWith("Setting trainer.model.tied='ture' is not valid: expected true or false");
    }

    @Test
    void componentKafkaOverridesWinOverSharedOnes() {
        Map<String, String> values = Map.of(
                "kafka.security.protocol", "SASL_SSL",
                "kafka.sasl.jaas.config", "shared",
                "trainer.kafka.sasl.jaas.config", "trainer-only",
                "sampler.kafka.acks", "1");

        assertThat(Settings.kafkaOverrides(values, "trainer"))
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of("security.protocol", "SASL_SSL", "sasl.jaas.config", "trainer-only"));
        assertThat(Settings.kafkaOverrides(values, "gateway"))
                .containsExactlyInAnyOrderEntriesOf(
                        Map.of("security.protocol", "SASL_SSL", "sasl.jaas.config", "shared"));
    }

    @Test
    void masksSecretsByKey() {
        assertThat(Secrets.mask("kafka.sasl.jaas.config", "x")).isEqualTo("****");
        assertThat(Secrets.mask("trainer.kafka.ssl.keystore.password", "x")).isEqualTo("****");
        assertThat(Secrets.mask("kafka.ssl.key.password", "x")).isEqualTo("****");
        assertThat(Secrets.mask("schema.registry.basic.auth.user.info", "u:p")).isEqualTo("****");
        assertThat(Secrets.mask("gateway.api.keys", "k1")).isEqualTo("****");
        assertThat(Secrets.mask("kafka.client.secret", "x")).isEqualTo("****");
        assertThat(Secrets.mask("bootstrap.servers", "b:9092")).isEqualTo("b:9092");
        assertThat(Secrets.mask("sampler.max.tokens", "64")).isEqualTo("64");
        assertThatThrownBy(() -> Parsers.integer("kafka.ssl.key.password", "hunter2"))
                .hasMessageStartingWith("Setting kafka.ssl.key.password='****' is not valid");
    }
}
