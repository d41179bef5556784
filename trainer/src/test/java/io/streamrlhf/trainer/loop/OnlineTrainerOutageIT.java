package io.streamrlhf.trainer.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamrlhf.avro.DpoPair;
import io.streamrlhf.avro.KtoExample;
import io.streamrlhf.avro.OffsetRange;
import io.streamrlhf.avro.PairSource;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.localstack.broker.EmbeddedKafkaBroker;
import io.streamrlhf.localstack.registry.EmbeddedSchemaRegistry;
import io.streamrlhf.localstack.registry.KafkaBackedSchemaRegistry;
import io.streamrlhf.schemas.registry.InMemorySchemaRegistry;
import io.streamrlhf.schemas.registry.RestSchemaRegistryClient;
import io.streamrlhf.schemas.serde.AvroSerde;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.Topics;
import io.streamrlhf.trainer.config.TrainerConfig;
import io.streamrlhf.trainer.config.TrainerConfigFactory;
import io.streamrlhf.trainer.publish.PublishHooks;
import io.streamrlhf.trainer.publish.VersionHistory;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
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
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The online trainer through a schema-registry outage on the embedded broker and the embedded,
 * Kafka-backed registry: examples it cannot decode while the registry is down wait, they are neither
 * skipped nor counted twice; and through a broker restart, with every example in exactly one
 * committed version.
 */
class OnlineTrainerOutageIT {

  private static EmbeddedKafkaBroker broker;

  @TempDir
  Path checkpoints;

  @BeforeAll
  static void startBroker() {
    broker = EmbeddedKafkaBroker.temporary().start();
  }

  @AfterAll
  static void stopBroker() {
    broker.close();
  }

  @Test
  void examplesWrittenDuringARegistryOutageAreTrainedOnceTheRegistryIsBackNeitherLostNorDoubled()
      throws Exception {
    // given a Kafka-backed registry, example topics and a first batch of examples
    String prefix = "out" + UUID.randomUUID().toString().substring(0, 8) + ".";
    TopicNames names = TopicNames.defaults().withPrefix(prefix);
    KafkaBackedSchemaRegistry.Config log =
        KafkaBackedSchemaRegistry.Config.of(broker.bootstrapServers(), names.schemas());
    EmbeddedSchemaRegistry registry =
        EmbeddedSchemaRegistry.kafkaBacked(EmbeddedSchemaRegistry.Config.loopback(), log).start();
    int port = registry.port();
    RestSchemaRegistryClient producerClient = new RestSchemaRegistryClient(registry.url());
    Topics producerTopics = new Topics(names, producerClient);
    createTopics(names);
    for (int i = 0; i < 8; i++) {
      send(names.ktoExamples(), i % 2, producerTopics.ktoExamples().valueSerde().serializer()
          .serialize(names.ktoExamples(), kto("a" + i, i)));
      send(names.dpoPairs(), i % 2, producerTopics.dpoPairs().valueSerde().serializer()
          .serialize(names.dpoPairs(), dpo("a" + i, i)));
    }
    // and a second writer schema of KtoExample (same fields, one extra property, so a new id)
    // registered now: the trainer has never seen that id, so decoding it will need the registry
    Schema variant = new Schema.Parser().parse(KtoExample.getClassSchema().toString());
    variant.addProp("streamrlhf.test.variant", "outage");
    Serializer<KtoExample> variantSerializer =
        AvroSerde.<KtoExample>of(variant, producerClient, false, true).serializer();
    variantSerializer.serialize(names.ktoExamples(), kto("warmup", 0));

    // and a trainer with its own registry client (an empty cache) that absorbs the first batch
    Topics trainerTopics = new Topics(names, new RestSchemaRegistryClient(
        RestSchemaRegistryClient.Config.of(registry.url())
            .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(2))));
    TrainerConfig config = config(names, prefix);
    OnlineTrainer trainer = new OnlineTrainer(config, trainerTopics, PublishHooks.NONE);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread thread = new Thread(() -> {
      try {
        trainer.run();
      } catch (Throwable t) {
        failure.set(t);
      }
    }, "trainer-outage");
    thread.start();
    try {
      Map<TopicPartition, TreeSet<Long>> firstBatch = exampleOffsets(names);
      await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(300))
          .until(() -> covered(history(config, trainerTopics), firstBatch).equals(firstBatch));

      // when the registry stops and examples keep coming: KTO under the unseen writer id, one record
      // bad in itself, DPO pairs under the id the trainer already knows
      registry.close();
      for (int i = 0; i < 8; i++) {
        send(names.ktoExamples(), i % 2,
            variantSerializer.serialize(names.ktoExamples(), kto("b" + i, i)));
        if (i == 3) {
          send(names.ktoExamples(), 1, new byte[] {0, 0, 0, 0});
        }
        send(names.dpoPairs(), i % 2, producerTopics.dpoPairs().valueSerde().serializer()
            .serialize(names.dpoPairs(), dpo("b" + i, i)));
      }
      await().atMost(Duration.ofSeconds(60)).until(() -> trainer.registryRetries() >= 3);
      assertThat(trainer.state()).isEqualTo(OnlineTrainer.State.RUNNING);

      // and the registry comes back on the same address with the same schemas
      registry = EmbeddedSchemaRegistry.kafkaBacked(EmbeddedSchemaRegistry.Config.loopback(port), log)
          .start();
      Map<TopicPartition, TreeSet<Long>> all = exampleOffsets(names);
      await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(300))
          .until(() -> covered(history(config, trainerTopics), all).equals(all));
    } finally {
      trainer.stop();
      thread.join(30_000);
      registry.close();
    }
    assertThat(failure.get()).isNull();

    // then every example offset is in exactly one version's lineage
    List<PolicyVersion> versions = history(config, trainerTopics).versions();
    Map<TopicPartition, List<long[]>> ranges = new HashMap<>();
    for (PolicyVersion v : versions) {
      for (OffsetRange r : v.getLineage()) {
        ranges.computeIfAbsent(new TopicPartition(r.getTopic(), r.getPartition()),
            k -> new ArrayList<>()).add(new long[] {r.getFromOffset(), r.getToOffset()});
      }
    }
    Map<TopicPartition, TreeSet<Long>> all = exampleOffsets(names);
    all.forEach((tp, offsets) -> offsets.forEach(offset -> assertThat(
        ranges.get(tp).stream().filter(r -> r[0] <= offset && offset <= r[1]).count())
        .as("versions absorbing %s@%d", tp, offset).isEqualTo(1)));
    // and only the record bad in itself was skipped: the ones written during the outage were read
    int total = all.values().stream().mapToInt(TreeSet::size).sum();
    assertThat(total).isEqualTo(8 + 8 + 8 + 1 + 8);
    assertThat(sum(versions, "invalid")).as("records counted invalid").isEqualTo(1.0);
    assertThat(sum(versions, "examples/consumed")).isEqualTo(total);
    assertThat(sum(versions, "retries/registry")).isGreaterThanOrEqualTo(3.0);
  }

  @Test
  void examplesAroundABrokerRestartAreEachInExactlyOneCommittedVersion() throws Exception {
    // given example topics with a first batch, and a trainer kept running by a supervisor that
    // starts a new incarnation whenever one fails (as a process manager would)
    String prefix = "brk" + UUID.randomUUID().toString().substring(0, 8) + ".";
    TopicNames names = TopicNames.defaults().withPrefix(prefix);
    Topics topics = new Topics(names, new InMemorySchemaRegistry());
    createTopics(names);
    produce(topics, "a", 12);
    TrainerConfig config = config(names, prefix);
    Supervisor supervisor = new Supervisor(config, topics);
    supervisor.start();
    try {
      Map<TopicPartition, TreeSet<Long>> firstBatch = exampleOffsets(names);
      await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(300))
          .until(() -> !covered(history(config, topics), firstBatch).isEmpty());

      // when the broker restarts mid-run and examples keep coming after it
      broker.stop();
      broker.start();
      produce(topics, "b", 12);

      // then the trainer absorbs them all
      Map<TopicPartition, TreeSet<Long>> all = exampleOffsets(names);
      await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500))
          .until(() -> covered(history(config, topics), all).equals(all));
    } finally {
      supervisor.stop();
    }

    // and each example offset is in exactly one committed version's lineage, counted once
    List<PolicyVersion> versions = history(config, topics).versions();
    Map<TopicPartition, List<long[]>> ranges = new HashMap<>();
    for (PolicyVersion v : versions) {
      for (OffsetRange r : v.getLineage()) {
        ranges.computeIfAbsent(new TopicPartition(r.getTopic(), r.getPartition()),
            k -> new ArrayList<>()).add(new long[] {r.getFromOffset(), r.getToOffset()});
      }
    }
    Map<TopicPartition, TreeSet<Long>> all = exampleOffsets(names);
    all.forEach((tp, offsets) -> offsets.forEach(offset -> assertThat(
        ranges.get(tp).stream().filter(r -> r[0] <= offset && offset <= r[1]).count())
        .as("versions absorbing %s@%d", tp, offset).isEqualTo(1)));
    int total = all.values().stream().mapToInt(TreeSet::size).sum();
    assertThat(total).isEqualTo(2 * (12 + 12));
    assertThat(sum(versions, "examples/consumed")).isEqualTo(total);
    assertThat(sum(versions, "invalid")).isZero();
  }

  /** Runs trainer incarnations one after another until stopped; a failed one is replaced. */
  private static final class Supervisor {
    private final TrainerConfig config;
    private final Topics topics;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicReference<OnlineTrainer> current = new AtomicReference<>();
    private final Thread thread;

    Supervisor(TrainerConfig config, Topics topics) {
      this.config = config;
      this.topics = topics;
      this.thread = new Thread(this::superviseLoop, "trainer-supervisor");
    }

    void start() {
      thread.start();
    }

    private void superviseLoop() {
      while (running.get()) {
        OnlineTrainer trainer = new OnlineTrainer(config, topics, PublishHooks.NONE);
        current.set(trainer);
        if (!running.get()) {
          return;
        }
        try {
          trainer.run();
        } catch (RuntimeException e) {
          LoggerFactory.getLogger(Supervisor.class)
              .warn("Trainer incarnation failed; starting another", e);
        }
      }
    }

    void stop() throws InterruptedException {
      running.set(false);
      OnlineTrainer trainer = current.get();
      if (trainer != null) {
        trainer.stop();
      }
      thread.join(60_000);
    }
  }

  private static void produce(Topics topics, String idPrefix, int count) {
    for (int i = 0; i < count; i++) {
      send(topics.ktoExamples().name(), i % 2, topics.ktoExamples().valueSerde().serializer()
          .serialize(topics.ktoExamples().name(), kto(idPrefix + i, i)));
      send(topics.dpoPairs().name(), i % 2, topics.dpoPairs().valueSerde().serializer()
          .serialize(topics.dpoPairs().name(), dpo(idPrefix + i, i)));
    }
  }

  private static double sum(List<PolicyVersion> versions, String metric) {
    return versions.stream().mapToDouble(v -> v.getMetrics().getOrDefault(metric, 0.0)).sum();
  }

  private TrainerConfig config(TopicNames names, String prefix) {
    Map<String, String> p = new HashMap<>();
    p.put("bootstrap.servers", broker.bootstrapServers());
    p.put("trainer.model.id", "outagemodel");
    p.put("trainer.group.id", prefix + "trainer");
    p.put("trainer.transactional.id", prefix + "trainer-tx");
    p.put("trainer.checkpoint.dir", checkpoints.toString());
    p.put("trainer.model.layers", "1");
    p.put("trainer.model.width", "32");
    p.put("trainer.model.heads", "2");
    p.put("trainer.model.context", "64");
    p.put("trainer.kto.batch.size", "4");
    p.put("trainer.dpo.batch.size", "4");
    p.put("trainer.publish.every.steps", "2");
    p.put("trainer.publish.every", "PT1S");
    p.put("trainer.poll.timeout", "PT0.1S");
    p.put("trainer.max.poll.records", "6");
    p.put("trainer.retry.backoff", "PT0.05S");
    p.put("trainer.retry.backoff.max", "PT0.5S");
    p.put("topic.ktoExamples", names.ktoExamples());
    p.put("topic.dpoPairs", names.dpoPairs());
    p.put("topic.policyVersions", names.policyVersions());
    p.put("topic.trainerMetrics", names.trainerMetrics());
    return TrainerConfigFactory.fromProperties(p);
  }

  private static KtoExample kto(String id, int i) {
    Instant now = Instant.now();
    int a = i % 10;
    return KtoExample.newBuilder().setExampleId(id).setResponseId("r" + id)
        .setPrompt("What is " + a + "+1?").setCompletion(i % 2 == 0 ? "" + (a + 1) : "" + a)
        .setLabel(i % 2 == 0).setPolicyVersion(0).setResponseTime(now).setFeedbackTime(now).build();
  }

  private static DpoPair dpo(String id, int i) {
    int a = i % 10;
    return DpoPair.newBuilder().setPairId(id).setPromptId("q" + a)
        .setPrompt("What is " + a + "+2?").setChosen("" + (a + 2)).setRejected("" + (a + 3))
        .setChosenResponseId("c" + id).setRejectedResponseId("x" + id)
        .setSource(PairSource.JUDGE).setEventTime(Instant.now()).build();
  }

  private static void createTopics(TopicNames names) throws Exception {
    try (Admin admin = Admin.create(
        Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      admin.createTopics(List.of(
          new NewTopic(names.ktoExamples(), 2, (short) 1),
          new NewTopic(names.dpoPairs(), 2, (short) 1),
          new NewTopic(names.policyVersions(), 1, (short) 1),
          new NewTopic(names.trainerMetrics(), 1, (short) 1))).all().get();
    }
  }

  private static void send(String topic, int partition, byte[] value) {
    Map<String, Object> p = new HashMap<>();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    try (KafkaProducer<String, byte[]> producer =
        new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(topic, partition, "k", value));
    }
  }

  private static Map<TopicPartition, TreeSet<Long>> exampleOffsets(TopicNames names) {
    Map<TopicPartition, TreeSet<Long>> out =
        new TreeMap<>(java.util.Comparator.comparing(TopicPartition::toString));
    for (String topic : List.of(names.ktoExamples(), names.dpoPairs())) {
      for (ConsumerRecord<byte[], byte[]> r : readRaw(topic)) {
        out.computeIfAbsent(new TopicPartition(r.topic(), r.partition()), k -> new TreeSet<>())
            .add(r.offset());
      }
    }
    return out;
  }

  private static Map<TopicPartition, TreeSet<Long>> covered(VersionHistory history,
      Map<TopicPartition, TreeSet<Long>> examples) {
    Map<TopicPartition, TreeSet<Long>> covered =
        new TreeMap<>(java.util.Comparator.comparing(TopicPartition::toString));
    examples.forEach((tp, offsets) -> offsets.forEach(offset -> {
      boolean inLineage = history.versions().stream().flatMap(v -> v.getLineage().stream())
          .anyMatch(r -> r.getTopic().equals(tp.topic()) && r.getPartition() == tp.partition()
              && r.getFromOffset() <= offset && offset <= r.getToOffset());
      if (inLineage) {
        covered.computeIfAbsent(tp, k -> new TreeSet<>()).add(offset);
      }
    }));
    return covered;
  }

  private static VersionHistory history(TrainerConfig config, Topics topics) {
    return VersionHistory.read(broker.bootstrapServers(), topics.policyVersions(), config.modelId(),
        Duration.ofSeconds(30));
  }

  private static List<ConsumerRecord<byte[], byte[]>> readRaw(String topic) {
    Map<String, Object> p = new HashMap<>();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> c =
        new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> parts = new ArrayList<>();
      for (PartitionInfo info : c.partitionsFor(topic)) {
        parts.add(new TopicPartition(topic, info.partition()));
      }
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
        c.poll(Duration.ofMillis(200)).forEach(out::add);
      }
    }
    return out;
  }
}
