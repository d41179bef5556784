package io.streamrlhf.trainer.loop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamrlhf.avro.DpoPair;
import io.streamrlhf.avro.KtoExample;
import io.streamrlhf.avro.OffsetRange;
import io.streamrlhf.avro.PairSource;
import io.streamrlhf.avro.PolicyStatus;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.avro.TrainerMetrics;
import io.streamrlhf.localstack.junit.EmbeddedKafkaExtension;
import io.streamrlhf.schemas.topic.Topic;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.Topics;
import io.streamrlhf.trainer.checkpoint.LocalCheckpointStore;
import io.streamrlhf.trainer.config.TrainerConfig;
import io.streamrlhf.trainer.config.TrainerConfigFactory;
import io.streamrlhf.trainer.publish.PublishHooks;
import io.streamrlhf.trainer.publish.VersionHistory;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
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
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Exactly-once resume of the online trainer on the embedded broker, with crashes injected. */
class OnlineTrainerIT {

  @RegisterExtension
  static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

  @TempDir
  Path checkpoints;

  /** Thrown from a hook: the trainer dies at that point without cleaning up its transaction. */
  static final class SimulatedCrash extends RuntimeException {
    private static final long serialVersionUID = 1L;

    SimulatedCrash(String where) {
      super("simulated crash " + where);
    }
  }

  @Test
  void lineagesOfCommittedVersionsCoverEveryExampleExactlyOnceAcrossCrashes() throws Exception {
    // given examples produced transactionally on two partitions per topic, plus an aborted batch
    String prefix = KAFKA.uniquePrefix();
    Topics topics = new Topics(TopicNames.defaults().withPrefix(prefix), KAFKA.schemaRegistryClient());
    createTopics(topics);
    produceExamples(topics, 24, 16);
    TrainerConfig config = config(topics, prefix);

    // when the trainer is killed mid-batch, after a checkpoint write, before and after a commit
    AtomicBoolean fired = new AtomicBoolean();
    runUntilCrash(config, topics, new PublishHooks() {
      @Override
      public void afterStep(long step) {
        if (step == 3) {
          throw new SimulatedCrash("mid-batch after step 3");
        }
      }
    });
    runUntilCrash(config, topics, new PublishHooks() {
      @Override
      public void afterCheckpointWritten(long version) {
        throw new SimulatedCrash("after checkpoint of version " + version);
      }
    });
    runUntilCrash(config, topics, new PublishHooks() {
      @Override
      public void beforeCommit(long version) {
        throw new SimulatedCrash("before commit of version " + version);
      }
    });
    runUntilCrash(config, topics, new PublishHooks() {
      @Override
      public void afterCommit(long version) {
        if (version > 0 && fired.compareAndSet(false, true)) {
          throw new SimulatedCrash("right after commit of version " + version);
        }
      }
    });
    // and finally runs undisturbed until everything is absorbed
    Map<TopicPartition, TreeSet<Long>> exampleOffsets = committedExampleOffsets(topics);
    OnlineTrainer last = new OnlineTrainer(config, topics, PublishHooks.NONE);
    Thread thread = new Thread(last::run, "trainer-final");
    thread.start();
    try {
      await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500))
          .until(() -> coveredOffsets(history(config, topics), exampleOffsets).equals(exampleOffsets));
    } finally {
      last.stop();
      thread.join(30_000);
    }

    // then versions are 0..n, each the child of the previous, and lineages never overlap
    List<PolicyVersion> versions = history(config, topics).versions();
    assertThat(versions).extracting(PolicyVersion::getVersion)
        .containsExactlyElementsOf(rangeOf(versions.size()));
    assertThat(versions.get(0).getStatus()).isEqualTo(PolicyStatus.WARM_START);
    for (int i = 1; i < versions.size(); i++) {
      assertThat(versions.get(i).getParentVersion()).isEqualTo((long) i - 1);
      assertThat(versions.get(i).getStatus()).isEqualTo(PolicyStatus.PUBLISHED);
    }
    Map<TopicPartition, List<long[]>> ranges = new HashMap<>();
    for (PolicyVersion v : versions) {
      for (OffsetRange r : v.getLineage()) {
        ranges.computeIfAbsent(new TopicPartition(r.getTopic(), r.getPartition()),
            k -> new ArrayList<>()).add(new long[] {r.getFromOffset(), r.getToOffset()});
      }
    }
    ranges.forEach((tp, list) -> {
      list.sort((a, b) -> Long.compare(a[0], b[0]));
      for (int i = 1; i < list.size(); i++) {
        assertThat(list.get(i)[0]).as("ranges on %s overlap", tp).isGreaterThan(list.get(i - 1)[1]);
      }
    });
    // every example offset is in exactly one version's lineage (no gap, no double count)
    exampleOffsets.forEach((tp, offsets) -> offsets.forEach(offset -> assertThat(
        ranges.get(tp).stream().filter(r -> r[0] <= offset && offset <= r[1]).count())
        .as("versions absorbing %s@%d", tp, offset).isEqualTo(1)));
    // per-step metrics are exactly once too: each step number appears once
    List<Long> steps = readAll(topics.trainerMetrics()).stream().map(TrainerMetrics::getStep).toList();
    assertThat(steps).doesNotHaveDuplicates().isNotEmpty();
    assertThat(steps).containsExactlyElementsOf(rangeFrom1(steps.size()));
    java.util.Set<String> keys = new java.util.HashSet<>();
    readAll(topics.trainerMetrics()).forEach(m -> keys.addAll(m.getMetrics().keySet()));
    assertThat(keys).contains("loss/kto", "loss/dpo", "rewards/margins", "rewards/accuracies", "kl",
        "tokens_per_s", "examples_per_s", "staleness/mean");
    // only committed checkpoints are left, and each verifies against its version's hash
    LocalCheckpointStore store = new LocalCheckpointStore(checkpoints);
    assertThat(store.list()).extracting(URI::toString)
        .containsExactlyInAnyOrderElementsOf(versions.stream().map(PolicyVersion::getCheckpointUri).toList());
    for (PolicyVersion v : versions) {
      assertThat(store.read(URI.create(v.getCheckpointUri()), v.getSha256()).version())
          .isEqualTo(v.getVersion());
    }
  }

  private void runUntilCrash(TrainerConfig config, Topics topics, PublishHooks hooks)
      throws InterruptedException {
    OnlineTrainer trainer = new OnlineTrainer(config, topics, hooks);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread thread = new Thread(() -> {
      try {
        trainer.run();
      } catch (Throwable t) {
        failure.set(t);
      }
    }, "trainer-crashing");
    thread.start();
    await().atMost(Duration.ofSeconds(180)).until(() -> !thread.isAlive());
    assertThat(failure.get()).isInstanceOf(SimulatedCrash.class);
    assertThat(trainer.state()).isEqualTo(OnlineTrainer.State.FAILED);
  }

  private TrainerConfig config(Topics topics, String prefix) {
    Map<String, String> p = new HashMap<>();
    p.put("bootstrap.servers", KAFKA.bootstrapServers());
    p.put("trainer.model.id", "itmodel");
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
    p.putAll(prefixed(topics.names()));
    return TrainerConfigFactory.fromProperties(p);
  }

  private static Map<String, String> prefixed(TopicNames names) {
    return Map.of("topic.kto.examples", names.ktoExamples(), "topic.dpo.pairs", names.dpoPairs(),
        "topic.policy.versions", names.policyVersions(), "topic.trainer.metrics",
        names.trainerMetrics());
  }

  private static void createTopics(Topics topics) throws Exception {
    try (Admin admin = Admin.create(
        Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()))) {
      admin.createTopics(List.of(
          new NewTopic(topics.ktoExamples().name(), 2, (short) 1),
          new NewTopic(topics.dpoPairs().name(), 2, (short) 1),
          new NewTopic(topics.policyVersions().name(), 1, (short) 1),
          new NewTopic(topics.trainerMetrics().name(), 1, (short) 1))).all().get();
    }
  }

  private static void produceExamples(Topics topics, int kto, int dpo) {
    Map<String, Object> p = new HashMap<>();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, KAFKA.uniqueName("it-producer"));
    Instant now = Instant.now();
    try (KafkaProducer<String, KtoExample> ktoProducer = new KafkaProducer<>(p,
        new StringSerializer(), topics.ktoExamples().valueSerde().serializer())) {
      ktoProducer.initTransactions();
      for (int i = 0; i < kto; i++) {
        if (i % 8 == 0) {
          ktoProducer.beginTransaction();
        }
        int a = i % 10;
        KtoExample e = KtoExample.newBuilder().setExampleId("k" + i).setResponseId("r" + i)
            .setPrompt("What is " + a + "+1?").setCompletion(i % 2 == 0 ? "" + (a + 1) : "" + a)
            .setLabel(i % 2 == 0).setPolicyVersion(0).setResponseTime(now).setFeedbackTime(now)
            .build();
        ktoProducer.send(new ProducerRecord<>(topics.ktoExamples().name(), i % 2, e.getExampleId(), e));
        if (i % 8 == 7) {
          ktoProducer.commitTransaction();
        }
      }
      // an aborted batch: never visible to read_committed, never in any lineage count
      ktoProducer.beginTransaction();
      for (int i = 0; i < 3; i++) {
        KtoExample e = KtoExample.newBuilder().setExampleId("aborted" + i).setResponseId("x")
            .setPrompt("x").setCompletion("y").setLabel(true).setResponseTime(now)
            .setFeedbackTime(now).build();
        ktoProducer.send(new ProducerRecord<>(topics.ktoExamples().name(), i % 2, "aborted", e));
      }
      ktoProducer.abortTransaction();
    }
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, KAFKA.uniqueName("it-producer"));
    try (KafkaProducer<String, DpoPair> dpoProducer = new KafkaProducer<>(p,
        new StringSerializer(), topics.dpoPairs().valueSerde().serializer())) {
      dpoProducer.initTransactions();
      dpoProducer.beginTransaction();
      for (int i = 0; i < dpo; i++) {
        int a = i % 10;
        DpoPair pair = DpoPair.newBuilder().setPairId("d" + i).setPromptId("q" + a)
            .setPrompt("What is " + a + "+2?").setChosen("" + (a + 2)).setRejected("" + (a + 3))
            .setChosenResponseId("c" + i).setRejectedResponseId("x" + i)
            .setSource(PairSource.JUDGE).setEventTime(now).build();
        dpoProducer.send(new ProducerRecord<>(topics.dpoPairs().name(), i % 2, pair.getPairId(), pair));
      }
      dpoProducer.commitTransaction();
    }
  }

  private static Map<TopicPartition, TreeSet<Long>> committedExampleOffsets(Topics topics) {
    Map<TopicPartition, TreeSet<Long>> out = new TreeMap<>(
        java.util.Comparator.comparing(TopicPartition::toString));
    for (String topic : List.of(topics.ktoExamples().name(), topics.dpoPairs().name())) {
      for (ConsumerRecord<byte[], byte[]> r : readRaw(topic)) {
        out.computeIfAbsent(new TopicPartition(r.topic(), r.partition()), k -> new TreeSet<>())
            .add(r.offset());
      }
    }
    return out;
  }

  private static Map<TopicPartition, TreeSet<Long>> coveredOffsets(VersionHistory history,
      Map<TopicPartition, TreeSet<Long>> examples) {
    Map<TopicPartition, TreeSet<Long>> covered = new TreeMap<>(
        java.util.Comparator.comparing(TopicPartition::toString));
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

  private VersionHistory history(TrainerConfig config, Topics topics) {
    return VersionHistory.read(KAFKA.bootstrapServers(), topics.policyVersions(), "itmodel",
        Duration.ofSeconds(30));
  }

  private static <V> List<V> readAll(Topic<String, V> topic) {
    List<V> out = new ArrayList<>();
    for (ConsumerRecord<byte[], byte[]> r : readRaw(topic.name())) {
      out.add(topic.valueSerde().deserializer().deserialize(topic.name(), r.value()));
    }
    return out;
  }

  private static List<ConsumerRecord<byte[], byte[]>> readRaw(String topic) {
    Map<String, Object> p = new HashMap<>();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
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

  private static List<Long> rangeOf(int n) {
    List<Long> out = new ArrayList<>();
    for (long i = 0; i < n; i++) {
      out.add(i);
    }
    return out;
  }

  private static List<Long> rangeFrom1(int n) {
    List<Long> out = new ArrayList<>();
    for (long i = 1; i <= n; i++) {
      out.add(i);
    }
    return out;
  }
}
