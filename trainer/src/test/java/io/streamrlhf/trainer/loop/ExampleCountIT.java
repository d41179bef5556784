package io.streamrlhf.trainer.loop;

import static io.streamrlhf.trainer.loop.TrainerItSupport.assertEachInExactlyOneLineage;
import static io.streamrlhf.trainer.loop.TrainerItSupport.coveredOffsets;
import static io.streamrlhf.trainer.loop.TrainerItSupport.dpo;
import static io.streamrlhf.trainer.loop.TrainerItSupport.startTrainer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.streamrlhf.avro.DpoPair;
import io.streamrlhf.avro.OffsetRange;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.localstack.junit.EmbeddedKafkaExtension;
import io.streamrlhf.schemas.topic.Topics;
import io.streamrlhf.trainer.config.TrainerConfigFactory;
import io.streamrlhf.trainer.publish.PublishHooks;
import io.streamrlhf.trainer.publish.VersionExamples;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the trainer's example counts mean when the pairs come the way Kafka Streams writes them under exactly-once at
 * a low rate: a transaction with one record per partition, each followed by its commit marker. The versions'
 * {@code examples/consumed} counts are the records (each pair id once over all lineages, the aborted pair never),
 * while their lineages' offset ranges also span the markers and the aborted record.
 */
class ExampleCountIT {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static final String MODEL_ID = "countmodel";
    private static final int PAIRS = 24;

    private final TrainerItSupport support = new TrainerItSupport(KAFKA::bootstrapServers);

    @TempDir
    Path checkpoints;

    @Test
    void versionsCountRecordsWhileTheirLineagesAlsoSpanTransactionMarkers() throws Exception {
        // given 24 pairs, one transaction each, alternating between two partitions, and one aborted pair among them
        String prefix = KAFKA.uniquePrefix();
        Topics topics = support.createTopics(prefix, KAFKA.schemaRegistryClient());
        long abortedOffset = producePairsOnePerTransaction(topics);

        // when the trainer (DPO only) absorbs them all
        Map<String, String> settings = support.trainerSettings(MODEL_ID, prefix, checkpoints, topics.names());
        settings.put("trainer.kto.enabled", "false");
        OnlineTrainer trainer =
                new OnlineTrainer(TrainerConfigFactory.fromProperties(settings), topics, PublishHooks.NONE);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread thread = startTrainer(trainer, "trainer-count", failure);
        Map<TopicPartition, TreeSet<Long>> pairOffsets = support.committedExampleOffsets(topics.names());
        try {
            await().atMost(Duration.ofSeconds(180))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> failure.get() != null
                            || coveredOffsets(support.history(topics, MODEL_ID), pairOffsets)
                                    .equals(pairOffsets));
        } finally {
            trainer.stop();
            thread.join(30_000);
        }
        assertThat(failure.get()).isNull();
        List<PolicyVersion> versions = support.history(topics, MODEL_ID).versions();
        assertEachInExactlyOneLineage(pairOffsets, versions);

        // then each pair id lies in exactly one lineage, and the aborted one in none that the trainer read
        Map<TopicPartition, Map<Long, String>> ids = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r :
                support.readCommitted(topics.dpoPairs().name())) {
            DpoPair p = topics.dpoPairs().valueSerde().deserializer().deserialize(r.topic(), r.value());
            ids.computeIfAbsent(new TopicPartition(r.topic(), r.partition()), k -> new HashMap<>())
                    .put(r.offset(), p.getPairId());
        }
        List<String> absorbed = new ArrayList<>();
        int ranges = 0;
        boolean abortedInsideARange = false;
        for (PolicyVersion v : versions) {
            for (OffsetRange range : v.getLineage()) {
                ranges++;
                Map<Long, String> byOffset =
                        ids.getOrDefault(new TopicPartition(range.getTopic(), range.getPartition()), Map.of());
                for (long o = range.getFromOffset(); o <= range.getToOffset(); o++) {
                    if (byOffset.containsKey(o)) {
                        absorbed.add(byOffset.get(o));
                    }
                }
                abortedInsideARange |= range.getPartition() == 0
                        && range.getFromOffset() <= abortedOffset
                        && abortedOffset <= range.getToOffset();
            }
        }
        List<String> expectedIds = new ArrayList<>();
        for (int i = 0; i < PAIRS; i++) {
            expectedIds.add("p" + i);
        }
        assertThat(absorbed).containsExactlyInAnyOrderElementsOf(expectedIds);

        // and the versions count the 24 records, in total and for the DPO source
        assertThat(versions.stream().mapToLong(VersionExamples::consumed).sum()).isEqualTo(PAIRS);
        assertThat(versions.stream()
                        .mapToLong(v -> VersionExamples.consumed(v, "dpo"))
                        .sum())
                .isEqualTo(PAIRS);
        // while the ranges, each from one record to another, span a marker after every record but their last,
        // plus the aborted record and its abort marker where a range holds them: about twice the records
        long spanned =
                versions.stream().mapToLong(VersionExamples::offsetsSpanned).sum();
        assertThat(spanned).isEqualTo(2L * PAIRS - ranges + (abortedInsideARange ? 2 : 0));
        assertThat(spanned).isGreaterThan(PAIRS + PAIRS / 2);
    }

    /** Writes the pairs p0..p23, one committed transaction each; returns the offset of the aborted pair. */
    private static long producePairsOnePerTransaction(Topics topics) throws Exception {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, KAFKA.uniqueName("count-producer"));
        long abortedOffset = -1;
        try (KafkaProducer<String, DpoPair> producer = new KafkaProducer<>(
                p, new StringSerializer(), topics.dpoPairs().valueSerde().serializer())) {
            producer.initTransactions();
            for (int i = 0; i < PAIRS; i++) {
                if (i == PAIRS / 2) {
                    producer.beginTransaction();
                    DpoPair aborted = dpo("aborted", i);
                    abortedOffset = producer.send(
                                    new ProducerRecord<>(topics.dpoPairs().name(), 0, aborted.getPairId(), aborted))
                            .get()
                            .offset();
                    producer.abortTransaction();
                }
                producer.beginTransaction();
                DpoPair pair = dpo("p" + i, i);
                producer.send(new ProducerRecord<>(topics.dpoPairs().name(), i % 2, pair.getPairId(), pair));
                producer.commitTransaction();
            }
        }
        return abortedOffset;
    }
}
