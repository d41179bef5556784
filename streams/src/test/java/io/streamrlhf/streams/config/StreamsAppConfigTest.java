package io.streamrlhf.streams.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrlhf.config.ConfigException;
import io.streamrlhf.schemas.registry.InMemorySchemaRegistry;
import io.streamrlhf.streams.app.StreamsApp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class StreamsAppConfigTest {

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

    private StreamsAppConfig read(Map<String, String> settings) {
        Map<String, String> all = new HashMap<>(settings);
        all.putIfAbsent("bootstrap.servers", "b:9092");
        return StreamsAppConfig.fromProperties(all, registry);
    }

    @Test
    void onlyTheClusterAddressGivesTheDocumentedDefaults() {
        StreamsAppConfig c = read(Map.of());

        assertThat(c.applicationId()).isEqualTo("streamrlhf-streams");
        assertThat(c.bootstrapServers()).isEqualTo("b:9092");
        assertThat(c.stateDir()).isEqualTo(Path.of(System.getProperty("java.io.tmpdir"), "streamrlhf-streams"));
        assertThat(c.threads()).isEqualTo(1);
        assertThat(c.commitInterval()).isEqualTo(Duration.ofMillis(100));
        assertThat(c.replicationFactor()).isEqualTo(1);
        assertThat(c.stateStoreType()).isEqualTo(StateStoreType.ROCKSDB);
        assertThat(c.producerLinger()).isEqualTo(Duration.ofMillis(100));
        assertThat(c.producerBatchSize()).isEqualTo(524_288);
        assertThat(c.kafkaOverrides()).isEqualTo(Map.of("topic.min.insync.replicas", "1"));
        assertThat(c.topicNames().feedback()).isEqualTo("rlhf.feedback");
        assertThat(c.topicNames().deadLetters()).isEqualTo("rlhf.dead-letters");
        KtoConfig kto = c.settings().kto();
        assertThat(kto.settleDelay()).isEqualTo(Duration.ofSeconds(30));
        assertThat(kto.responseRetention()).isEqualTo(Duration.ofDays(7));
        assertThat(kto.earlyFeedbackBuffer()).isEqualTo(Duration.ofMinutes(10));
        assertThat(kto.userLabelsPerHour()).isEqualTo(100);
        assertThat(kto.punctuateInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(kto.cachedStateBytes()).isEqualTo(33_554_432);
        DpoConfig dpo = c.settings().dpo();
        assertThat(dpo.derivedWindow()).isEqualTo(Duration.ofHours(1));
        assertThat(dpo.derivedPairsPerPrompt()).isEqualTo(4);
        assertThat(dpo.preferenceBuffer()).isEqualTo(Duration.ofMinutes(10));
        assertThat(dpo.responseRetention()).isEqualTo(Duration.ofDays(7));
        assertThat(dpo.rolloutGroupSize()).isEqualTo(4);
        assertThat(dpo.rolloutWindow()).isEqualTo(Duration.ofSeconds(60));
        assertThat(dpo.rho()).isEqualTo(0.1);
        assertThat(dpo.punctuateInterval()).isEqualTo(Duration.ofSeconds(1));
        JudgeConfig judge = c.settings().judge();
        assertThat(judge.minLength()).isEqualTo(1);
        assertThat(judge.maxLength()).isEqualTo(2000);
        assertThat(judge.bannedPhrases()).containsExactly("as an ai language model", "i cannot help with that");
        assertThat(judge.formatByTask()).isEmpty();
        assertThat(judge.exactAnswer()).isTrue();
        assertThat(judge.requireEndToken()).isTrue();
        assertThat(c.settings().validation().maxCompletionChars()).isEqualTo(32_768);
        MonitorConfig monitor = c.settings().monitor();
        assertThat(monitor.grace()).isEqualTo(Duration.ofMinutes(1));
        assertThat(monitor.retention()).isEqualTo(Duration.ofHours(24));
        assertThat(monitor.httpPort()).isEqualTo(7071);
        assertThat(monitor.ssePeriod()).isEqualTo(Duration.ofSeconds(1));
        assertThat(monitor.eventsTopic()).isEqualTo("rlhf.monitor.events");
    }

    @Test
    void dottedKeysOverrideEveryGroup() {
        StreamsAppConfig c = read(Map.ofEntries(
                Map.entry("streams.application.id", "app-1"), Map.entry("kto.settle.delay", "5s"),
                Map.entry("kto.user.labels.per.hour", "5"), Map.entry("kto.cached.state.bytes", "65536"),
                Map.entry("dpo.derived.window", "2h"), Map.entry("dpo.rho", "0.5"),
                Map.entry("dpo.rollout.window", "PT2M"), Map.entry("judge.format.json", "\\{.*}"),
                Map.entry("judge.banned.phrases", "foo|bar"), Map.entry("judge.exact.answer", "false"),
                Map.entry("validation.max.completion.chars", "100"), Map.entry("monitor.http.port", "-1"),
                Map.entry("topic.monitor.events", "t.monitor"), Map.entry("topic.feedback", "prod.feedback")));

        assertThat(c.applicationId()).isEqualTo("app-1");
        assertThat(c.settings().kto().settleDelay()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.settings().kto().userLabelsPerHour()).isEqualTo(5);
        assertThat(c.settings().kto().cachedStateBytes()).isEqualTo(65536);
        assertThat(c.settings().dpo().derivedWindow()).isEqualTo(Duration.ofHours(2));
        assertThat(c.settings().dpo().rho()).isEqualTo(0.5);
        assertThat(c.settings().dpo().rolloutWindow()).isEqualTo(Duration.ofMinutes(2));
        assertThat(c.settings().judge().formatByTask()).containsOnlyKeys("json");
        assertThat(c.settings().judge().bannedPhrases()).containsExactly("foo", "bar");
        assertThat(c.settings().judge().exactAnswer()).isFalse();
        assertThat(c.settings().validation().maxCompletionChars()).isEqualTo(100);
        assertThat(c.settings().monitor().httpPort()).isEqualTo(-1);
        assertThat(c.settings().monitor().eventsTopic()).isEqualTo("t.monitor");
        assertThat(c.topicNames().feedback()).isEqualTo("prod.feedback");
    }

    @Test
    void kafkaPropertiesRunExactlyOnceV2WithTheConfiguredStateAndTiming() {
        StreamsAppConfig c = read(Map.of(
                "streams.application.id",
                "a",
                "streams.state.dir",
                "/tmp/s",
                "streams.threads",
                "2",
                "streams.commit.interval",
                "250ms",
                "streams.state.store",
                "in-memory",
                "topics.replication.factor",
                "3"));
        Properties p = StreamsApp.streamsProperties(c);
        Properties tuned = StreamsApp.streamsProperties(
                read(Map.of("streams.producer.linger", "5ms", "streams.producer.batch.size", "16384")));

        assertThat(tuned.get("producer.linger.ms")).isEqualTo(5);
        assertThat(tuned.get("producer.batch.size")).isEqualTo(16384);
        assertThat(p.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo("exactly_once_v2");
        assertThat(p.get(StreamsConfig.APPLICATION_ID_CONFIG)).isEqualTo("a");
        assertThat(p.get(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG)).isEqualTo("b:9092");
        assertThat(p.get(StreamsConfig.STATE_DIR_CONFIG)).isEqualTo("/tmp/s");
        assertThat(p.get(StreamsConfig.NUM_STREAM_THREADS_CONFIG)).isEqualTo(2);
        assertThat(p.get(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG)).isEqualTo(250L);
        assertThat(p.get(StreamsConfig.REPLICATION_FACTOR_CONFIG)).isEqualTo(3);
        assertThat(p.get("topic.min.insync.replicas")).isEqualTo("2");
        assertThat(tuned.get("topic.min.insync.replicas")).isEqualTo("1");
        assertThat(StreamsApp.streamsProperties(read(Map.of(
                                "topics.replication.factor", "3", "streams.kafka.topic.min.insync.replicas", "3")))
                        .get("topic.min.insync.replicas"))
                .isEqualTo("3");
        assertThat(p.get("producer.linger.ms")).isEqualTo(100);
        assertThat(p.get("producer.batch.size")).isEqualTo(524_288);
        assertThat(c.stateStoreType()).isEqualTo(StateStoreType.IN_MEMORY);
    }

    @Test
    void streamsKafkaOverridesWinOverSharedOnesButNotOverTheGuarantee() {
        StreamsAppConfig c = read(Map.of(
                "kafka.security.protocol",
                "SASL_SSL",
                "kafka.sasl.jaas.config",
                "shared",
                "streams.kafka.sasl.jaas.config",
                "streams-only",
                "trainer.kafka.sasl.jaas.config",
                "trainer-only",
                "streams.kafka.processing.guarantee",
                "at_least_once"));
        Properties p = StreamsApp.streamsProperties(c);

        assertThat(p.get("security.protocol")).isEqualTo("SASL_SSL");
        assertThat(p.get("sasl.jaas.config")).isEqualTo("streams-only");
        assertThat(p.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo("exactly_once_v2");
    }

    @Test
    void staticMembershipAndSessionTimeoutReachTheMainConsumerOnlyWhenSet() {
        java.util.Properties dynamic = io.streamrlhf.streams.app.StreamsApp.streamsProperties(read(Map.of()));
        assertThat(dynamic).doesNotContainKey("main.consumer.group.instance.id");
        assertThat(dynamic.get("main.consumer.session.timeout.ms")).isEqualTo(45_000);

        java.util.Properties fixed = io.streamrlhf.streams.app.StreamsApp.streamsProperties(
                read(Map.of("streams.instance.id", "node-1", "streams.session.timeout", "10s")));
        assertThat(fixed.get("main.consumer.group.instance.id")).isEqualTo("node-1");
        assertThat(fixed.get("main.consumer.session.timeout.ms")).isEqualTo(10_000);
    }

    @Test
    void theClassicProtocolIsTheDefaultAndCarriesTheClientSessionTimeout() {
        StreamsAppConfig c = read(Map.of("streams.session.timeout", "12s"));
        assertThat(c.groupProtocol()).isEqualTo(org.apache.kafka.streams.GroupProtocol.CLASSIC);

        Properties p = StreamsApp.streamsProperties(c);
        assertThat(p.get("group.protocol")).isEqualTo("classic");
        assertThat(p.get("main.consumer.session.timeout.ms")).isEqualTo(12_000);
    }

    @Test
    void theStreamsProtocolKeepsStaticMembershipAndLeavesTheSessionTimeoutToTheGroup() {
        StreamsAppConfig c = read(Map.of("streams.group.protocol", "streams", "streams.instance.id", "node-1"));
        assertThat(c.groupProtocol()).isEqualTo(org.apache.kafka.streams.GroupProtocol.STREAMS);

        Properties p = StreamsApp.streamsProperties(c);
        assertThat(p.get("group.protocol")).isEqualTo("streams");
        assertThat(p.get("main.consumer.group.instance.id")).isEqualTo("node-1");
        // Under the streams protocol the broker's group configuration decides the session timeout.
        assertThat(p).doesNotContainKey("main.consumer.session.timeout.ms");
        // Kafka Streams itself accepts these properties.
        assertThat(new StreamsConfig(p).getString(StreamsConfig.GROUP_PROTOCOL_CONFIG))
                .isEqualTo("streams");
    }

    @Test
    void anUnknownGroupProtocolNamesTheKeyAndTheChoices() {
        assertThatThrownBy(() -> read(Map.of("streams.group.protocol", "consumer")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("streams.group.protocol")
                .hasMessageContaining("consumer")
                .hasMessageContaining("CLASSIC, STREAMS");
    }

    @Test
    void rejectsAnInstanceIdKafkaWouldRefuse() {
        assertThatThrownBy(() -> read(Map.of("streams.instance.id", "a b")))
                .hasMessageContaining("streams.instance.id");
    }

    @Test
    void stateBoundsDefaultBelowKafkasOneMebibyteAndAreRead() {
        StreamsSettings d = StreamsSettings.defaults();
        assertThat(d.kto().maxVotesPerResponse()).isEqualTo(1000);
        assertThat(d.kto().maxStateBytes()).isEqualTo(524_288);
        assertThat(d.kto().cachedStateBytes()).isEqualTo(33_554_432);
        assertThat(d.dpo().derivedResponsesPerPrompt()).isEqualTo(100);
        assertThat(d.dpo().maxStateBytes()).isEqualTo(524_288);
        StreamsAppConfig c = read(Map.of(
                "kto.max.votes.per.response",
                "10",
                "kto.max.state.bytes",
                "8192",
                "dpo.derived.responses.per.prompt",
                "3",
                "dpo.max.state.bytes",
                "9000"));
        assertThat(c.settings().kto().maxVotesPerResponse()).isEqualTo(10);
        assertThat(c.settings().kto().maxStateBytes()).isEqualTo(8192);
        assertThat(c.settings().dpo().derivedResponsesPerPrompt()).isEqualTo(3);
        assertThat(c.settings().dpo().maxStateBytes()).isEqualTo(9000);
    }

    @Test
    void stateBoundsThatWouldLetAChangelogRecordReachOneMebibyteAreRefused() {
        assertThatThrownBy(() -> read(Map.of("kto.max.state.bytes", "1048576")))
                .hasMessageContaining("kto.max.state.bytes")
                .hasMessageContaining("1 MiB");
        assertThatThrownBy(() -> read(Map.of("dpo.max.state.bytes", "2000000")))
                .hasMessageContaining("dpo.max.state.bytes");
        assertThatThrownBy(() -> read(Map.of("kto.max.votes.per.response", "0")))
                .hasMessageContaining("kto.max.votes.per.response");
        assertThatThrownBy(() -> read(Map.of("dpo.derived.responses.per.prompt", "1")))
                .hasMessageContaining("dpo.derived.responses.per.prompt");
    }

    @Test
    void missingClusterAddressNamesTheKeyAndHowToSetIt() {
        assertThatThrownBy(() -> StreamsAppConfig.fromProperties(Map.of(), registry))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("Setting bootstrap.servers is missing")
                .hasMessageContaining("STREAMRLHF_BOOTSTRAP_SERVERS");
    }

    @Test
    void malformedValuesFailNamingTheKeyAndTheValue() {
        assertThatThrownBy(() -> read(Map.of("kto.settle.delay", "soon")))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("Setting kto.settle.delay='soon' is not valid: expected a duration");
        assertThatThrownBy(() -> read(Map.of("kto.settle.delay", "30")))
                .hasMessageStartingWith("Setting kto.settle.delay='30' is not valid");
        assertThatThrownBy(() -> read(Map.of("judge.exact.answer", "ture")))
                .hasMessageStartingWith("Setting judge.exact.answer='ture' is not valid: expected true or false");
        assertThatThrownBy(() -> read(Map.of("streams.threads", "zero")))
                .hasMessageStartingWith("Setting streams.threads='zero' is not valid: expected a whole number");
        assertThatThrownBy(() -> read(Map.of("streams.threads", "0")))
                .hasMessageStartingWith("Setting streams.threads='0' is not valid: expected at least 1");
        assertThatThrownBy(() -> read(Map.of("streams.state.store", "disk")))
                .hasMessageStartingWith(
                        "Setting streams.state.store='disk' is not valid: expected one of ROCKSDB, " + "IN_MEMORY");
        assertThatThrownBy(() -> read(Map.of("judge.format.x", "(")))
                .hasMessageStartingWith("Setting judge.format.x='(' is not valid: expected a regular expression");
    }

    @Test
    void inconsistentValuesFailInTheRecordsNamingTheKeys() {
        assertThatThrownBy(() -> read(Map.of("dpo.rho", "1.5"))).hasMessageContaining("dpo.rho");
        assertThatThrownBy(() -> read(Map.of("dpo.rollout.group.size", "1")))
                .hasMessageContaining("dpo.rollout.group.size");
        assertThatThrownBy(() -> read(Map.of("kto.settle.delay", "8d"))).hasMessageContaining("kto.response.retention");
        assertThatThrownBy(() -> read(Map.of("kto.user.labels.per.hour", "-1")))
                .hasMessageContaining("kto.user.labels.per.hour");
        assertThatThrownBy(() -> read(Map.of("kto.cached.state.bytes", "0")))
                .hasMessageContaining("kto.cached.state.bytes");
        assertThatThrownBy(() -> read(Map.of("streams.producer.batch.size", "-1")))
                .hasMessageContaining("streams.producer.batch.size");
    }

    @Test
    void everyStreamsKeyIsDottedLowerCaseAndDocumented() {
        List<String> names = StreamsKeys.ALL.stream().map(s -> s.name()).toList();
        assertThat(names)
                .doesNotHaveDuplicates()
                .contains("kto.settle.delay", "dpo.derived.window", "streams.commit.interval", "monitor.http.port");
        assertThat(StreamsKeys.ALL).allSatisfy(s -> assertThat(s.doc()).isNotBlank());
    }
}
