package io.streamrlhf.producers.erasure;

import io.streamrlhf.avro.DpoPair;
import io.streamrlhf.avro.ErasureReport;
import io.streamrlhf.avro.KtoExample;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.avro.RetainedRange;
import io.streamrlhf.avro.UserErased;
import io.streamrlhf.schemas.registry.SchemaRegistryClient;
import io.streamrlhf.schemas.serde.RecordDecodeException;
import io.streamrlhf.schemas.topic.Topics;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers every erasure request with an {@link ErasureReport}: it follows the erasures topic in its own consumer
 * group, and for each batch of requests scans the retained example topics (KTO examples naming the user in
 * {@code userId}, DPO pairs naming the user in {@code userIds}) and the policy-versions topic, all read committed,
 * maps each example's offset to the committed versions whose lineage holds it, and writes one report per user to the
 * reports topic (compacted by user id) in the same transaction that commits the requests' offsets: a request is
 * reported exactly once, also across a crash or a restart.
 *
 * <p>Its own component rather than part of the streams or the trainer: the report needs whole scans of topics that
 * the streams only append to and the committed lineage that only the trainer writes, and a scan (minutes on a
 * month of examples) must hold up neither the streams' tasks nor a training step. A tombstone on the erasures topic
 * (an erasure lifted) gets no report. Any failure (broker or registry unreachable, fenced by a newer instance) ends
 * the reporter's thread and is reported to {@code onFailure}; the requests not yet reported are read again by the
 * next incarnation.
 */
public final class ErasureReporter implements AutoCloseable {

    /** Example kinds as reports name them. */
    public static final String KTO = "KTO";
    /** Example kinds as reports name them. */
    public static final String DPO = "DPO";

    private static final Logger log = LoggerFactory.getLogger(ErasureReporter.class);

    private final ErasureReporterConfig config;
    private final Topics topics;
    private final Clock clock;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong reported = new AtomicLong();
    private KafkaConsumer<String, byte[]> requests;
    private KafkaConsumer<byte[], byte[]> scanner;
    private KafkaProducer<String, ErasureReport> producer;
    private Thread thread;

    /** A reporter with its own registry client over {@code config}'s connection. */
    public ErasureReporter(ErasureReporterConfig config, SchemaRegistryClient registry) {
        this(config, new Topics(config.connection().topics(), registry), Clock.systemUTC());
    }

    ErasureReporter(ErasureReporterConfig config, Topics topics, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.topics = Objects.requireNonNull(topics, "topics");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Makes the clients, takes over the transactional id (fencing an older instance) and starts the thread; a
     * failure after this returns is reported to {@code onFailure}, at most once.
     */
    public synchronized ErasureReporter start(Consumer<Throwable> onFailure) {
        Objects.requireNonNull(onFailure, "onFailure");
        if (thread != null) {
            throw new IllegalStateException("erasure reporter already started");
        }
        try {
            requests = new KafkaConsumer<>(
                    config.connection()
                            .clientProperties(Map.of(
                                    ConsumerConfig.GROUP_ID_CONFIG,
                                    config.groupId(),
                                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                                    false,
                                    ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                                    "read_committed",
                                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                                    "earliest",
                                    ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG,
                                    (int) Math.min(
                                            Integer.MAX_VALUE,
                                            config.scanTimeout()
                                                    .multipliedBy(2)
                                                    .plusMinutes(1)
                                                    .toMillis()))),
                    new StringDeserializer(),
                    new ByteArrayDeserializer());
            scanner = new KafkaConsumer<>(
                    config.connection()
                            .clientProperties(Map.of(
                                    ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                                    ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
                                    ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false)),
                    new ByteArrayDeserializer(),
                    new ByteArrayDeserializer());
            producer = new KafkaProducer<>(
                    config.connection()
                            .clientProperties(Map.of(
                                    ProducerConfig.TRANSACTIONAL_ID_CONFIG,
                                    config.transactionalId(),
                                    ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
                                    true,
                                    ProducerConfig.ACKS_CONFIG,
                                    "all")),
                    new StringSerializer(),
                    topics.erasureReports().valueSerde().serializer());
            producer.initTransactions();
            requests.subscribe(List.of(topics.erasures().name()));
        } catch (RuntimeException e) {
            closeClients();
            throw e;
        }
        thread = new Thread(() -> run(onFailure), "erasure-reporter");
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    /** Whether the reporter's thread is running (it has not failed or been closed). */
    public boolean isRunning() {
        Thread t = thread;
        return t != null && t.isAlive() && running.get();
    }

    /** Reports written (committed) since start. */
    public long reportsWritten() {
        return reported.get();
    }

    private void run(Consumer<Throwable> onFailure) {
        try {
            while (running.get()) {
                ConsumerRecords<String, byte[]> batch = requests.poll(Duration.ofSeconds(1));
                if (!batch.isEmpty()) {
                    answer(batch);
                }
            }
        } catch (WakeupException e) {
            if (running.get()) {
                onFailure.accept(e);
            }
        } catch (Exception e) {
            if (running.get()) {
                log.error("Erasure reporter failed; the requests not yet reported are read again on restart", e);
                onFailure.accept(e);
            }
        } finally {
            closeClients();
        }
    }

    /** Reports every request in {@code batch} and commits its offsets, in one transaction. */
    private void answer(ConsumerRecords<String, byte[]> batch) throws java.util.concurrent.TimeoutException {
        Map<String, UserErased> latest = new LinkedHashMap<>();
        for (ConsumerRecord<String, byte[]> r : batch) {
            if (r.value() == null) {
                latest.remove(r.key()); // the erasure was lifted: nothing to report
                continue;
            }
            try {
                UserErased e = topics.erasures().valueSerde().deserializer().deserialize(r.topic(), r.value());
                latest.put(e.getUserId(), e);
            } catch (RecordDecodeException e) {
                if (e.reason() == RecordDecodeException.Reason.REGISTRY_UNAVAILABLE) {
                    throw e.at(r.partition(), r.offset());
                }
                log.warn(
                        "Skipping an undecodable erasure request at {}-{}@{} ({})",
                        r.topic(),
                        r.partition(),
                        r.offset(),
                        e.reason());
            }
        }
        List<ErasureReport> reports = latest.isEmpty() ? List.of() : reports(latest);
        producer.beginTransaction();
        for (ErasureReport report : reports) {
            producer.send(new ProducerRecord<>(topics.erasureReports().name(), report.getUserId(), report));
        }
        Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
        for (TopicPartition tp : batch.partitions()) {
            List<ConsumerRecord<String, byte[]>> records = batch.records(tp);
            next.put(tp, new OffsetAndMetadata(records.get(records.size() - 1).offset() + 1));
        }
        producer.sendOffsetsToTransaction(next, requests.groupMetadata());
        producer.commitTransaction();
        reported.addAndGet(reports.size());
        for (ErasureReport report : reports) {
            log.info(
                    "Erasure request {} reported: {} examples, {} versions, {} not trained",
                    report.getRequestId(),
                    report.getExamples().size(),
                    report.getVersions().size(),
                    report.getUntrainedExampleIds().size());
        }
    }

    /** One scan of the example and version topics for every user in {@code requests}. */
    private List<ErasureReport> reports(Map<String, UserErased> requests) throws java.util.concurrent.TimeoutException {
        Set<String> users = requests.keySet();
        Map<String, List<FoundExample>> found = new HashMap<>();
        // Ids of found examples, so that a later weight-0 copy (same id, same partition) marks them cancelled.
        Map<String, List<FoundExample>> byId = new HashMap<>();
        List<RetainedRange> retained = new ArrayList<>();
        retained.addAll(TopicScan.scan(
                scanner, topics.ktoExamples(), config.scanTimeout(), (KtoExample e, String t, int p, long o) -> {
                    String id = KTO + ':' + e.getExampleId();
                    if (e.getWeight() <= 0) {
                        cancel(byId, found, id);
                    } else if (users.contains(e.getUserId())) {
                        add(byId, found, id, e.getUserId(), new FoundExample(KTO, e.getExampleId(), t, p, o, false));
                    }
                }));
        retained.addAll(TopicScan.scan(
                scanner, topics.dpoPairs(), config.scanTimeout(), (DpoPair d, String t, int p, long o) -> {
                    String id = DPO + ':' + d.getPairId();
                    if (d.getWeight() <= 0) {
                        cancel(byId, found, id);
                        return;
                    }
                    for (String user : d.getUserIds()) {
                        if (users.contains(user)) {
                            add(byId, found, id, user, new FoundExample(DPO, d.getPairId(), t, p, o, false));
                        }
                    }
                }));
        List<PolicyVersion> versions = new ArrayList<>();
        TopicScan.scan(
                scanner,
                topics.policyVersions(),
                config.scanTimeout(),
                (PolicyVersion v, String t, int p, long o) -> versions.add(v));
        Lineage lineage = Lineage.of(versions);
        List<ErasureReport> out = new ArrayList<>();
        for (UserErased request : requests.values()) {
            out.add(ErasureReports.build(
                    request, found.getOrDefault(request.getUserId(), List.of()), lineage, retained, clock.instant()));
        }
        return out;
    }

    private static void add(
            Map<String, List<FoundExample>> byId,
            Map<String, List<FoundExample>> found,
            String id,
            String user,
            FoundExample example) {
        found.computeIfAbsent(user, u -> new ArrayList<>()).add(example);
        byId.computeIfAbsent(id, k -> new ArrayList<>()).add(example);
    }

    /** Marks every found example under {@code id} cancelled, in each user's list. */
    private static void cancel(Map<String, List<FoundExample>> byId, Map<String, List<FoundExample>> found, String id) {
        List<FoundExample> earlier = byId.remove(id);
        if (earlier == null) {
            return;
        }
        for (List<FoundExample> list : found.values()) {
            list.replaceAll(f -> earlier.contains(f) ? f.cancel() : f);
        }
    }

    private synchronized void closeClients() {
        for (AutoCloseable c : new AutoCloseable[] {requests, scanner, producer}) {
            if (c != null) {
                try {
                    c.close();
                } catch (Exception e) {
                    log.debug("Closing an erasure-reporter client failed", e);
                }
            }
        }
        requests = null;
        scanner = null;
        producer = null;
    }

    /** Stops the thread (an open transaction is aborted: its requests are reported by the next instance). */
    @Override
    public void close() {
        running.set(false);
        Thread t;
        synchronized (this) {
            t = thread;
            if (t == null) {
                closeClients();
                return;
            }
            KafkaConsumer<String, byte[]> c = requests;
            if (c != null) {
                c.wakeup();
            }
        }
        try {
            t.join(Duration.ofSeconds(30).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
