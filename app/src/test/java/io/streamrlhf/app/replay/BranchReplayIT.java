package io.streamrlhf.app.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.app.StreamRlhf;
import io.streamrlhf.avro.CanaryDecision;
import io.streamrlhf.avro.DecisionOutcome;
import io.streamrlhf.avro.DpoPair;
import io.streamrlhf.avro.Feedback;
import io.streamrlhf.avro.FeedbackKind;
import io.streamrlhf.avro.KtoExample;
import io.streamrlhf.avro.PairSource;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.avro.ResponseSource;
import io.streamrlhf.avro.UserErased;
import io.streamrlhf.localstack.junit.EmbeddedKafkaExtension;
import io.streamrlhf.schemas.topic.Topic;
import io.streamrlhf.schemas.topic.TopicLayout;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.TopicProvisioner;
import io.streamrlhf.schemas.topic.TopicSettings;
import io.streamrlhf.schemas.topic.Topics;
import io.streamrlhf.trainer.config.TrainerConfigFactory;
import io.streamrlhf.trainer.loop.OnlineTrainer;
import io.streamrlhf.trainer.publish.PublishHooks;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code streamrlhf replay} on the embedded broker: events with fixed ids and event times, a main model with a
 * version 0, and replays into branches. Two replays with the same settings write the same set of records to each
 * branch topic; a changed judge setting changes the judged pair as the rules say; an erased user's events make no
 * branch example; the branch model's first version names the main model's version as its parent.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BranchReplayIT {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @TempDir
    static Path dir;

    private static final String MODEL = "policy";
    private static final long T0 = Instant.parse("2026-12-01T10:00:00Z").toEpochMilli();
    private static TopicNames names;
    private static Topics topics;
    private static Map<String, String> settings;

    @BeforeAll
    static void eventsAndAMainModel() throws Exception {
        String prefix = KAFKA.uniqueName("replay") + ".";
        names = TopicNames.defaults().withPrefix(prefix);
        topics = new Topics(names, KAFKA.schemaRegistryClient());
        settings = new LinkedHashMap<>();
        settings.put("bootstrap.servers", KAFKA.bootstrapServers());
        settings.put("schema.registry.url", KAFKA.schemaRegistryUrl());
        settings.put("data.dir", dir.resolve("data").toString());
        settings.put(
                "trainer.checkpoint.dir",
                Files.createDirectories(dir.resolve("checkpoints")).toString());
        settings.put("trainer.model.id", MODEL);
        settings.put("topics.partitions", "2");
        // Examples at once: the replay's range then ends with nothing waiting for its settle delay.
        settings.put("kto.settle.delay", "0s");
        settings.put(TopicSettings.RESPONSES.name(), names.responses());
        settings.put(TopicSettings.FEEDBACK.name(), names.feedback());
        settings.put(TopicSettings.PREFERENCES.name(), names.preferences());
        settings.put(TopicSettings.PROMPTS.name(), names.prompts());
        settings.put(TopicSettings.JUDGE_VERDICTS.name(), names.judgeVerdicts());
        settings.put(TopicSettings.KTO_EXAMPLES.name(), names.ktoExamples());
        settings.put(TopicSettings.DPO_PAIRS.name(), names.dpoPairs());
        settings.put(TopicSettings.POLICY_VERSIONS.name(), names.policyVersions());
        settings.put(TopicSettings.TRAINER_METRICS.name(), names.trainerMetrics());
        settings.put(TopicSettings.DEAD_LETTERS.name(), names.deadLetters());
        settings.put(TopicSettings.ERASURES.name(), names.erasures());
        settings.put(TopicSettings.POLICY_DECISIONS.name(), names.policyDecisions());
        settings.put(TopicSettings.MONITOR_EVENTS.name(), prefix + "rlhf.monitor.events");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()))) {
            assertThat(new TopicProvisioner(admin)
                            .ensure(TopicLayout.specsFromProperties(settings))
                            .clean())
                    .isTrue();
        }
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            send(
                    producer,
                    topics.erasures(),
                    "u3",
                    UserErased.newBuilder()
                            .setUserId("u3")
                            .setRequestedAt(Instant.ofEpochMilli(T0))
                            .setRequestId("erase-u3")
                            .build());
            send(producer, topics.responses(), "r1", response("r1", "pa", "u1", "Hello there.", 1));
            send(producer, topics.responses(), "r2", response("r2", "pb", "u2", "Hi.", 2));
            // Written for the erased user: nobody's vote on it may become an example.
            send(producer, topics.responses(), "r3", response("r3", "pc", "u3", "Good morning.", 3));
            send(producer, topics.responses(), "r4", response("r4", "pd", "u1", "Howdy.", 4));
            send(producer, topics.feedback(), "r1", feedback("f1", "r1", "u1", FeedbackKind.THUMBS_UP, 10));
            send(producer, topics.feedback(), "r1", feedback("f2", "r1", "u2", FeedbackKind.THUMBS_DOWN, 11));
            // From the erased user.
            send(producer, topics.feedback(), "r2", feedback("f3", "r2", "u3", FeedbackKind.THUMBS_UP, 12));
            send(producer, topics.feedback(), "r3", feedback("f4", "r3", "u1", FeedbackKind.THUMBS_UP, 13));
            send(producer, topics.feedback(), "r4", feedback("f5", "r4", "u2", FeedbackKind.THUMBS_DOWN, 14));
            send(producer, topics.feedback(), "r2", feedback("f6", "r2", "u1", FeedbackKind.THUMBS_DOWN, 15));
            // One rollout group of four (closes by count): the last fails the default banned phrases, so the
            // shortest passing one is chosen and the failing one rejected (a group that all passes ties: no pair).
            send(producer, topics.responses(), "g1-1", rollout("g1-1", "Paris.", 20));
            send(producer, topics.responses(), "g1-2", rollout("g1-2", "The capital is Paris.", 21));
            send(producer, topics.responses(), "g1-3", rollout("g1-3", "I think the zebra says Paris.", 22));
            send(
                    producer,
                    topics.responses(),
                    "g1-4",
                    rollout("g1-4", "As an AI language model: the capital of France is Paris, on the Seine.", 23));
        }
        // The main model's version 0, which the branches train from.
        OnlineTrainer main =
                new OnlineTrainer(TrainerConfigFactory.fromProperties(settings), topics, PublishHooks.NONE).stopAtEnd();
        main.run();
        assertThat(main.currentVersion()).isZero();
    }

    @Test
    @Order(1)
    void twoReplaysWithTheSameSettingsWriteTheSameRecordsAndTheBranchModelStartsFromTheBase() throws Exception {
        // when
        String first = replay("A");
        String second = replay("B", "--no-train");

        // then
        TopicNames a = names.branch("A");
        TopicNames b = names.branch("B");
        assertThat(first).contains("wrote " + a.ktoExamples() + ": 4 records");
        assertThat(recordSet(a.ktoExamples())).hasSize(4).isEqualTo(recordSet(b.ktoExamples()));
        assertThat(recordSet(a.dpoPairs())).hasSize(1).isEqualTo(recordSet(b.dpoPairs()));
        assertThat(recordSet(a.judgeVerdicts())).hasSize(4).isEqualTo(recordSet(b.judgeVerdicts()));
        assertThat(second).doesNotContain("trained ");
        // The main topics are untouched: the replay wrote only to its branch.
        assertThat(recordSet(names.ktoExamples())).isEmpty();

        List<PolicyVersion> branchVersions = versions(MODEL + "@A");
        assertThat(branchVersions).isNotEmpty();
        PolicyVersion firstVersion = branchVersions.get(0);
        assertThat(firstVersion.getParentModelId()).isEqualTo(MODEL);
        assertThat(firstVersion.getParentVersion()).isEqualTo(0L);
        assertThat(firstVersion.getVersion()).isEqualTo(1L);
        assertThat(firstVersion.getLineage())
                .allSatisfy(range -> assertThat(range.getTopic()).startsWith("rlhf.branch.A."));
        assertThat(first).contains("trained " + MODEL + "@A: " + branchVersions.size() + " versions published");
        // The main model gained no version.
        assertThat(versions(MODEL)).extracting(PolicyVersion::getVersion).containsExactly(0L);
    }

    @Test
    @Order(2)
    void erasedUsersEventsMakeNoBranchExample() throws Exception {
        // given
        replayIfMissing("A");

        // when
        Set<String> labels = ktoExamples(names.branch("A").ktoExamples()).stream()
                .map(e -> e.getResponseId() + "/" + e.getUserId() + "/" + e.getLabel() + "/" + e.getWeight())
                .collect(Collectors.toSet());

        // then: u3's vote on r2 and u1's vote on r3 (written for u3) are gone; the rest is one example per vote.
        assertThat(labels)
                .containsExactlyInAnyOrder("r1/u1/true/1.0", "r1/u2/false/1.0", "r2/u1/false/1.0", "r4/u2/false/1.0");
    }

    @Test
    @Order(3)
    void aChangedJudgeSettingChangesTheJudgedPairAsTheRulesSay() throws Exception {
        // given
        replayIfMissing("A");

        // when: banned phrases that fail another rollout of the group (and no longer the last one)
        String out = replay("C", "--no-train", "--set", "judge.banned.phrases=zebra");

        // then
        assertThat(out).contains("wrote " + names.branch("C").dpoPairs() + ": 1 records");
        DpoPair before = single(dpoPairs(names.branch("A").dpoPairs()));
        DpoPair after = single(dpoPairs(names.branch("C").dpoPairs()));
        assertThat(before.getSource()).isEqualTo(PairSource.JUDGE);
        assertThat(before.getChosenResponseId()).isEqualTo("g1-1");
        assertThat(before.getRejectedResponseId()).isEqualTo("g1-4");
        assertThat(after.getChosenResponseId()).isEqualTo("g1-1");
        assertThat(after.getRejectedResponseId()).isEqualTo("g1-3");
        // The KTO rules did not change, so neither did their examples.
        assertThat(recordSet(names.branch("C").ktoExamples()))
                .isEqualTo(recordSet(names.branch("A").ktoExamples()));
    }

    @Test
    @Order(4)
    void anUnknownSettingIsAnErrorAndAReplayedBranchIsNotReplayedAgain() {
        assertThat(run("replay", "--from", "2026-12-01T00:00:00Z", "--branch", "D", "--set", "judge.banned.phrase=x"))
                .isEqualTo(StreamRlhf.CONFIG_ERROR);
        replayIfMissing("A");
        assertThat(run(withSettings("replay", "--from", "2026-12-01T00:00:00Z", "--branch", "A", "--no-train")))
                .isNotZero();
    }

    @Test
    @Order(5)
    void withCanaryDecisionsTheDefaultBaseIsTheLatestPromotedVersion() throws Exception {
        java.util.function.Supplier<java.util.OptionalLong> base = () -> PromotedBase.read(
                KAFKA.bootstrapServers(), Map.of(), topics.policyDecisions(), MODEL, Duration.ofSeconds(30));
        // given no decision about the main model (canaries off): no default of its own, the latest committed applies
        assertThat(base.get()).isEmpty();

        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            // when another model's versions are promoted and the main model's version 1 rolled back
            send(producer, topics.policyDecisions(), "other", decision("other", 4, DecisionOutcome.PROMOTED));
            send(producer, topics.policyDecisions(), MODEL, decision(MODEL, 0, DecisionOutcome.PROMOTED));
            send(producer, topics.policyDecisions(), MODEL, decision(MODEL, 1, DecisionOutcome.STARTED));
            send(producer, topics.policyDecisions(), MODEL, decision(MODEL, 1, DecisionOutcome.ROLLED_BACK));
            send(producer, topics.policyDecisions(), MODEL, decision(MODEL, 2, DecisionOutcome.STARTED));
        }

        // then the base is version 0, the promoted one, not the canary or the rolled-back version
        assertThat(base.get()).hasValue(0);

        // and once version 2 is promoted, version 2
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()),
                new ByteArraySerializer(),
                new ByteArraySerializer())) {
            send(producer, topics.policyDecisions(), MODEL, decision(MODEL, 2, DecisionOutcome.PROMOTED));
            send(producer, topics.policyDecisions(), MODEL, decision(MODEL, 3, DecisionOutcome.STARTED));
        }
        assertThat(base.get()).hasValue(2);
    }

    private static CanaryDecision decision(String model, long version, DecisionOutcome outcome) {
        return CanaryDecision.newBuilder()
                .setDecisionId(model + "/" + version + "/" + outcome)
                .setModelId(model)
                .setVersion(version)
                .setParentVersion(version == 0 ? null : 0L)
                .setOutcome(outcome)
                .setReason("test")
                .setAlpha(0.05)
                .setStartedTime(Instant.ofEpochMilli(T0))
                .setDecidedTime(Instant.ofEpochMilli(T0))
                .build();
    }

    private static Set<String> done = new HashSet<>();

    private static void replayIfMissing(String branch) {
        if (!done.contains(branch)) {
            replay(branch);
        }
    }

    private static String replay(String branch, String... extra) {
        List<String> args = new ArrayList<>(List.of("replay", "--from", "2026-12-01T09:00:00Z", "--branch", branch));
        args.addAll(List.of(extra));
        StringWriter out = new StringWriter();
        CommandLine cli = StreamRlhf.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(out));
        int exit = cli.execute(withSettings(args.toArray(String[]::new)));
        assertThat(exit).as(out.toString()).isZero();
        done.add(branch);
        return out.toString();
    }

    private static int run(String... args) {
        CommandLine cli = StreamRlhf.commandLine();
        cli.setOut(new PrintWriter(new StringWriter()));
        cli.setErr(new PrintWriter(new StringWriter()));
        return cli.execute(args);
    }

    private static String[] withSettings(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        settings.forEach((k, v) -> all.addAll(List.of("--set", k + "=" + v)));
        return all.toArray(String[]::new);
    }

    /** Every committed record of {@code topic} as key and value bytes. */
    private static Set<String> recordSet(String topic) {
        Set<String> out = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : readAll(topic)) {
            out.add(Base64.getEncoder().encodeToString(r.key()) + ":"
                    + Base64.getEncoder().encodeToString(r.value()));
        }
        return out;
    }

    private static List<KtoExample> ktoExamples(String topic) {
        Topic<String, KtoExample> t = topics.ktoExamples().renamed(topic);
        return readAll(topic).stream()
                .map(r -> t.valueSerde().deserializer().deserialize(topic, r.value()))
                .toList();
    }

    private static List<DpoPair> dpoPairs(String topic) {
        Topic<String, DpoPair> t = topics.dpoPairs().renamed(topic);
        return readAll(topic).stream()
                .map(r -> t.valueSerde().deserializer().deserialize(topic, r.value()))
                .toList();
    }

    private static List<PolicyVersion> versions(String modelId) {
        String topic = names.policyVersions();
        return readAll(topic).stream()
                .map(r -> topics.policyVersions().valueSerde().deserializer().deserialize(topic, r.value()))
                .filter(v -> v.getModelId().equals(modelId))
                .toList();
    }

    private static <T> T single(List<T> list) {
        assertThat(list).hasSize(1);
        return list.get(0);
    }

    private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        KAFKA.bootstrapServers(),
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed"),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo p : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
                partitions.add(new TopicPartition(topic, p.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                assertThat(System.nanoTime())
                        .as("read " + topic + " to its end")
                        .isLessThan(deadline);
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    private static <K, V> void send(KafkaProducer<byte[], byte[]> producer, Topic<K, V> topic, K key, V value)
            throws Exception {
        long time = value instanceof ResponseGenerated r
                ? r.getEventTime().toEpochMilli()
                : value instanceof Feedback f ? f.getEventTime().toEpochMilli() : T0;
        producer.send(new ProducerRecord<>(
                        topic.name(),
                        null,
                        time,
                        topic.keySerde().serializer().serialize(topic.name(), key),
                        topic.valueSerde().serializer().serialize(topic.name(), value)))
                .get(30, TimeUnit.SECONDS);
    }

    private static ResponseGenerated response(
            String id, String promptId, String userId, String completion, int second) {
        return ResponseGenerated.newBuilder()
                .setResponseId(id)
                .setPromptId(promptId)
                .setPrompt("prompt " + promptId)
                .setCompletion(completion)
                .setPolicyVersion(0)
                .setSource(ResponseSource.PRODUCTION)
                .setUserId(userId)
                .setEventTime(Instant.ofEpochMilli(T0 + second * 1000L))
                .build();
    }

    private static ResponseGenerated rollout(String id, String completion, int second) {
        ResponseGenerated r = response(id, "g1", null, completion, second);
        r.setPrompt("What is the capital of France?");
        r.setSource(ResponseSource.SAMPLED_ROLLOUT);
        return r;
    }

    private static Feedback feedback(String id, String responseId, String userId, FeedbackKind kind, int second) {
        return Feedback.newBuilder()
                .setFeedbackId(id)
                .setResponseId(responseId)
                .setUserId(userId)
                .setKind(kind)
                .setEventTime(Instant.ofEpochMilli(T0 + second * 1000L))
                .build();
    }
}
