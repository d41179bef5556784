package io.streamrlhf.bench.streams;

import io.streamrlhf.avro.Feedback;
import io.streamrlhf.avro.FeedbackKind;
import io.streamrlhf.avro.KtoExample;
import io.streamrlhf.avro.ResponseGenerated;
import io.streamrlhf.localstack.broker.EmbeddedKafkaBroker;
import io.streamrlhf.schemas.registry.InMemorySchemaRegistry;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.Topics;
import io.streamrlhf.streams.app.StreamsApp;
import io.streamrlhf.streams.common.StreamSerdes;
import io.streamrlhf.streams.config.KtoConfig;
import io.streamrlhf.streams.config.StateStoreType;
import io.streamrlhf.streams.config.StreamsAppConfig;
import io.streamrlhf.streams.config.ValidationConfig;
import io.streamrlhf.streams.kto.KtoTopology;
import io.streamrlhf.streams.support.Events;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

/**
 * Feedback events per second through the KTO topology (exactly-once, settle delay 0) against a plain
 * consume-produce passthrough of the same records on the same embedded broker, and event-to-example latency at a
 * fixed offered load. Prints a table. Arguments (all optional): {@code events=50000 rates=10000,1000 seconds=20
 * partitions=2 threads=partitions commitMs=100 store=ROCKSDB|IN_MEMORY|BOTH warmup=0 warmupRounds=1 rounds=1
 * brokerProcess=false eosPassthrough=true floors=false}: throughput is the median of the timed rounds, which
 * alternate the pipelines (the plain passthrough runs three times a round and its median counts);
 * {@code eosPassthrough} adds a Kafka Streams application that only copies the records under the same exactly-once
 * properties, to show what exactly-once Streams costs before any state or logic; {@code floors=true} adds the four
 * pipelines of {@link FloorTopology} (Avro decoding and encoding alone, a minimal exactly-once join with and
 * without its changelog, and that join with the second state write per feedback the KTO rules need), to show how
 * far the KTO topology is from the least a KTO join must do;
 * {@code brokerProcess=true} runs the broker in a JVM of its own ({@link BrokerProcess}). Kafka Streams runs with
 * the application's properties ({@link StreamsApp#streamsProperties}); any {@code streams.*} key of
 * {@link StreamsAppConfig} given as an argument overrides its default, e.g. {@code streams.producer.linger=5ms}, and so
 * does any {@code kto.*} key of {@link KtoConfig} but the settle delay and the cap; {@code kafka.X=v} sets the Kafka
 * Streams property {@code X} itself. {@code variants=k=v,k=v;k=v} times the KTO topology once more per variant and
 * store in each timed round, with those overrides on top: a comparison within one run, where the machine's load and
 * the JIT's state hit both alike.
 *
 * <pre>
 * ./mvnw -B -o -q -pl streams test-compile dependency:build-classpath -Dmdep.outputFile=target/test-classpath.txt \
 *     -Dmdep.includeScope=test
 * java -cp streams/target/classes:streams/target/test-classes:$(cat streams/target/test-classpath.txt) \
 *     io.streamrlhf.bench.streams.KtoThroughputBenchmark events=50000
 * </pre>
 */
public final class KtoThroughputBenchmark {

    /** Plain passthrough runs per timed round, of which the median counts. */
    private static final int PASSTHROUGH_COPIES = 3;

    private static final String AVRO_FLOOR = "floor Avro";
    private static final String JOIN_FLOOR = "floor join ";
    private static final String UNLOGGED = " unlogged";
    private static final String RULE_FLOOR = "floor rules ";

    private final String bootstrap;
    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    private final int partitions;

    private final int threads;
    private final int commitMs;

    private final Map<String, String> streamsOverrides;
    /** Overrides of the KTO run being timed, on top of {@link #streamsOverrides} (the {@code variants} argument). */
    private Map<String, String> variant = Map.of();

    private KtoThroughputBenchmark(
            String bootstrap, int partitions, int threads, int commitMs, Map<String, String> streamsOverrides) {
        this.streamsOverrides = streamsOverrides;
        this.bootstrap = bootstrap;
        this.partitions = partitions;
        this.threads = threads;
        this.commitMs = commitMs;
    }

    /** Runs the benchmark; see the class comment for arguments. */
    public static void main(String[] args) throws Exception {
        Map<String, String> a = new HashMap<>();
        for (String arg : args) {
            for (String part : arg.split("\\s+")) {
                int eq = part.indexOf('=');
                if (eq > 0) {
                    a.put(part.substring(0, eq), part.substring(eq + 1));
                }
            }
        }
        int events = Integer.parseInt(a.getOrDefault("events", "50000"));
        List<Integer> rates = Arrays.stream(
                        a.getOrDefault("rates", "10000,1000").split(","))
                .map(String::trim)
                .map(Integer::parseInt)
                .toList();
        int seconds = Integer.parseInt(a.getOrDefault("seconds", "20"));
        int partitions = Integer.parseInt(a.getOrDefault("partitions", "2"));
        // One stream thread per task (input partition) unless told otherwise: under exactly-once a thread blocks in
        // every commit until the broker has the transaction's records, so a thread per task lets one process while
        // another commits.
        int threads = Integer.parseInt(a.getOrDefault("threads", String.valueOf(partitions)));
        int commitMs = Integer.parseInt(a.getOrDefault("commitMs", "100"));
        Map<String, String> streamsOverrides = new TreeMap<>();
        a.forEach((k, v) -> {
            if (k.startsWith("streams.") || k.startsWith("kto.") || k.startsWith("kafka.")) {
                streamsOverrides.put(k, v);
            }
        });
        int warmup = Integer.parseInt(a.getOrDefault("warmup", "0"));
        int warmupRounds = Integer.parseInt(a.getOrDefault("warmupRounds", "1"));
        int rounds = Integer.parseInt(a.getOrDefault("rounds", "1"));
        String store = a.getOrDefault("store", "BOTH");
        List<StateStoreType> stores = store.equals("BOTH")
                ? List.of(StateStoreType.ROCKSDB, StateStoreType.IN_MEMORY)
                : List.of(StateStoreType.valueOf(store));
        boolean brokerProcess = Boolean.parseBoolean(a.getOrDefault("brokerProcess", "false"));
        boolean eosBaseline = Boolean.parseBoolean(a.getOrDefault("eosPassthrough", "true"));
        boolean floors = Boolean.parseBoolean(a.getOrDefault("floors", "false"));
        List<String> variants = new ArrayList<>();
        variants.add("");
        for (String v : a.getOrDefault("variants", "").split(";")) {
            if (!v.isBlank()) {
                variants.add(v.trim());
            }
        }
        try (AutoCloseable broker = brokerProcess
                ? BrokerProcess.start()
                : EmbeddedKafkaBroker.temporary().start()) {
            String bootstrap = broker instanceof BrokerProcess child
                    ? child.bootstrapServers()
                    : ((EmbeddedKafkaBroker) broker).bootstrapServers();
            KtoThroughputBenchmark bench =
                    new KtoThroughputBenchmark(bootstrap, partitions, threads, commitMs, streamsOverrides);
            Map<String, String> shownProps = new HashMap<>(streamsOverrides);
            shownProps.put("bootstrap.servers", bootstrap);
            StreamsAppConfig shown = StreamsAppConfig.fromProperties(shownProps, bench.registry);
            // Warm-up rounds on their own topics, results discarded: broker, clients and Streams share this JVM,
            // and on two cores its single C2 compiler thread takes tens of seconds to catch up. Each round prints
            // the share of its wall time the JIT compiled, so a reader can see it settle before the timed runs.
            CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
            for (int round = 1; warmup > 0 && round <= warmupRounds; round++) {
                long jit0 = jit.getTotalCompilationTime();
                long t0 = System.nanoTime();
                double pt = bench.passthrough(warmup);
                double k = 0;
                for (StateStoreType type : stores) {
                    k = bench.kto(warmup, type);
                }
                double wallMs = (System.nanoTime() - t0) / 1e6;
                System.out.printf(
                        "warm-up round %d: passthrough %,.0f ev/s, KTO %,.0f ev/s, JIT compiling %.0f%% "
                                + "of the round%n",
                        round, pt, k, 100.0 * (jit.getTotalCompilationTime() - jit0) / wallMs);
            }
            // Timed rounds alternate the pipelines, so a change in the machine's load or the JIT's hits both; each
            // figure is the median over the rounds, each round's figures are printed too.
            List<Double> passthroughs = new ArrayList<>();
            List<Double> eosPassthroughs = new ArrayList<>();
            Map<String, List<Double>> ktos = new HashMap<>();
            Map<String, List<Double>> floorRates = new TreeMap<>();
            Map<String, List<Double>> paired = new TreeMap<>();
            Map<String, List<Double>> ruleOverJoin = new TreeMap<>();
            Map<String, List<Double>> overRuleFloor = new TreeMap<>();
            for (int round = 1; round <= rounds; round++) {
                // The plain passthrough copies the records in well under a second, so one pause (a collection, a
                // compilation) moves its figure by half: each round takes the median of three copies.
                List<Double> copies = new ArrayList<>();
                for (int copy = 0; copy < PASSTHROUGH_COPIES; copy++) {
                    copies.add(bench.passthrough(events));
                }
                double pt = median(copies);
                passthroughs.add(pt);
                StringBuilder line = new StringBuilder(String.format(
                        Locale.ROOT,
                        "timed round %d (load average %.2f): passthrough %,.0f ev/s (median of %s)",
                        round,
                        loadAverage(),
                        pt,
                        copies.stream()
                                .map(c -> String.format(Locale.ROOT, "%,.0f", c))
                                .toList()));
                if (eosBaseline) {
                    double eos = bench.eosPassthrough(events);
                    eosPassthroughs.add(eos);
                    line.append(
                            String.format(Locale.ROOT, ", Streams EOS pass-through %,.0f ev/s (%.2f)", eos, eos / pt));
                }
                Map<String, Double> f = new LinkedHashMap<>();
                if (floors) {
                    f.put(AVRO_FLOOR, bench.avroFloor(events));
                    for (StateStoreType type : stores) {
                        f.put(JOIN_FLOOR + type, bench.joinFloor(events, type, true));
                        f.put(RULE_FLOOR + type, bench.ruleFloor(events, type));
                        f.put(JOIN_FLOOR + type + UNLOGGED, bench.joinFloor(events, type, false));
                    }
                    f.forEach((name, rate) -> {
                        floorRates.computeIfAbsent(name, n -> new ArrayList<>()).add(rate);
                        line.append(String.format(Locale.ROOT, ", %s %,.0f ev/s (%.2f)", name, rate, rate / pt));
                    });
                    for (StateStoreType type : stores) {
                        // The ceiling the KTO rules leave: the rule floor over the minimal join of the same round.
                        double ratio = f.get(RULE_FLOOR + type) / f.get(JOIN_FLOOR + type);
                        ruleOverJoin
                                .computeIfAbsent(type.name(), t -> new ArrayList<>())
                                .add(ratio);
                        line.append(
                                String.format(Locale.ROOT, ", floor rules %s over the minimal join %.2f", type, ratio));
                    }
                }
                for (StateStoreType type : stores) {
                    for (String variant : variants) {
                        bench.variant = overrides(variant);
                        double k = bench.kto(events, type);
                        bench.variant = Map.of();
                        ktos.computeIfAbsent(type + variant, t -> new ArrayList<>())
                                .add(k);
                        line.append(String.format(
                                Locale.ROOT,
                                ", KTO %s%s %,.0f ev/s (%.2f)",
                                type,
                                variant.isEmpty() ? "" : " [" + variant + "]",
                                k,
                                k / pt));
                        if (eosBaseline) {
                            double eos = eosPassthroughs.get(round - 1);
                            line.append(String.format(Locale.ROOT, " (%.2f of EOS)", k / eos));
                        }
                        Double join = f.get(JOIN_FLOOR + type);
                        if (join != null) {
                            // The goal's own measure: KTO over the minimal join of the same round.
                            paired.computeIfAbsent(type + variant, t -> new ArrayList<>())
                                    .add(k / join);
                            line.append(String.format(Locale.ROOT, " (%.2f of the minimal join)", k / join));
                        }
                        Double rule = f.get(RULE_FLOOR + type);
                        if (rule != null) {
                            overRuleFloor
                                    .computeIfAbsent(type + variant, t -> new ArrayList<>())
                                    .add(k / rule);
                            line.append(String.format(Locale.ROOT, " (%.2f of the rule floor)", k / rule));
                        }
                    }
                }
                line.append(String.format(Locale.ROOT, "; load average at the end %.2f", loadAverage()));
                System.out.println(line);
            }
            List<String[]> rows = new ArrayList<>();
            double passthrough = median(passthroughs);
            // KTO against the stateless Kafka Streams EOS pass-through as well: how far the topology is from what
            // exactly-once Kafka Streams itself does on this machine.
            double eos = eosBaseline ? median(eosPassthroughs) : Double.NaN;
            rows.add(new String[] {"plain consume->produce passthrough", fmt(passthrough), "1.00", "", "", ""});
            if (eosBaseline) {
                rows.add(new String[] {
                    "Kafka Streams EOS v2 pass-through, no state",
                    fmt(eos),
                    String.format("%.2f", eos / passthrough),
                    "1.00",
                    "",
                    ""
                });
            }
            if (floors) {
                double avro = median(floorRates.get(AVRO_FLOOR));
                rows.add(rateRow("floor: EOS + Avro decode/encode, no state", avro, passthrough, eos));
                for (StateStoreType type : stores) {
                    double join = median(floorRates.get(JOIN_FLOOR + type));
                    rows.add(rateRow("floor: EOS minimal join, " + type, join, passthrough, eos));
                    double rule = median(floorRates.get(RULE_FLOOR + type));
                    rows.add(rateRow("  the same + a state write per feedback", rule, passthrough, eos));
                    double unlogged = median(floorRates.get(JOIN_FLOOR + type + UNLOGGED));
                    rows.add(rateRow("  the same without its changelog", unlogged, passthrough, eos));
                }
            }
            for (StateStoreType type : stores) {
                double kto = median(ktos.get(type.name()));
                rows.add(rateRow("KTO topology, EOS v2, settle 0, " + type, kto, passthrough, eos));
                for (String variant : variants.subList(1, variants.size())) {
                    double v = median(ktos.get(type + variant));
                    rows.add(new String[] {
                        "  variant " + variant, fmt(v), String.format("%.2f", v / passthrough), vsEos(v, eos), "", ""
                    });
                }
                for (int rate : rates) {
                    double[] latency = bench.latency(rate, seconds, type);
                    rows.add(new String[] {
                        "  latency at " + rate + " events/s offered",
                        "",
                        "",
                        "",
                        String.format("%.0f", latency[0]),
                        String.format("%.0f", latency[1])
                    });
                }
            }
            System.out.printf(
                    "%nKTO throughput benchmark: %d feedback events (+%d responses), %d partitions, "
                            + "%d stream threads, commit interval %d ms, Streams producer linger %d ms and batch %d bytes; "
                            + "throughput the median of %d round(s) (the plain passthrough's of %d copies a round); latency "
                            + "runs %d s each; broker %s; overrides %s%n",
                    events,
                    events,
                    partitions,
                    threads,
                    commitMs,
                    shown.producerLinger().toMillis(),
                    shown.producerBatchSize(),
                    rounds,
                    PASSTHROUGH_COPIES,
                    seconds,
                    brokerProcess ? "in its own JVM" : "in this JVM",
                    streamsOverrides);
            printPaired("KTO %s over the minimal join of the same round", paired);
            printPaired("rule floor %s over the minimal join of the same round", ruleOverJoin);
            printPaired("KTO %s over the rule floor of the same round", overRuleFloor);
            System.out.printf(
                    "%-45s | %14s | %7s | %7s | %9s | %9s%n",
                    "pipeline", "feedback ev/s", "ratio", "vs EOS", "p50 ms", "p99 ms");
            System.out.println("-".repeat(106));
            for (String[] r : rows) {
                System.out.printf("%-45s | %14s | %7s | %7s | %9s | %9s%n", (Object[]) r);
            }
        }
    }

    /**
     * The machine's one-minute load average: on a machine shared with other work, a reader can tell a quiet round
     * from a loaded one (the ratios within a round still compare, as the pipelines alternate).
     */
    private static double loadAverage() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    /** {@code rate} as a fraction of the EOS pass-through's, blank when that did not run. */
    private static String vsEos(double rate, double eos) {
        return Double.isNaN(eos) ? "" : String.format("%.2f", rate / eos);
    }

    /** {@code k=v,k=v} as a map. */
    private static Map<String, String> overrides(String variant) {
        Map<String, String> out = new TreeMap<>();
        for (String kv : variant.split(",")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                out.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
            }
        }
        return out;
    }

    /** A table row for a pipeline timed without latency runs: its rate, over the passthrough and over EOS. */
    private static String[] rateRow(String label, double rate, double passthrough, double eos) {
        return new String[] {label, fmt(rate), String.format("%.2f", rate / passthrough), vsEos(rate, eos), "", ""};
    }

    /** Prints each pipeline's paired ratios of the rounds and their median, one line per pipeline. */
    private static void printPaired(String label, Map<String, List<Double>> ratiosByName) {
        ratiosByName.forEach((name, ratios) -> System.out.printf(
                Locale.ROOT,
                "%s: %s, median %.2f%n",
                String.format(Locale.ROOT, label, name),
                ratios.stream().map(r -> String.format(Locale.ROOT, "%.2f", r)).toList(),
                median(ratios)));
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static String fmt(double v) {
        return String.format("%,.0f", v);
    }

    private Topics topics(String prefix) throws Exception {
        TopicNames names = TopicNames.defaults().withPrefix(prefix);
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            List<NewTopic> topics = new ArrayList<>();
            // The erasures topic too: the KTO topology reads it as a global table, which fails to start without it.
            for (String t : List.of(
                    names.responses(),
                    names.feedback(),
                    names.ktoExamples(),
                    names.deadLetters(),
                    names.erasures(),
                    copyTopic(names))) {
                topics.add(new NewTopic(t, partitions, (short) 1));
            }
            admin.createTopics(topics).all().get(30, TimeUnit.SECONDS);
            awaitLeaders(admin, topics.stream().map(NewTopic::name).toList());
        }
        return new Topics(names, registry);
    }

    /**
     * Deletes the topics of a finished run (inputs, outputs and the application's internal topics) and so its logs:
     * a run of a million events writes gigabytes, which left in place may slow later runs through the page cache and
     * its write-back (pipelines then lose speed round after round).
     */
    private void dropTopics(String prefix) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
            List<String> names = admin.listTopics().names().get(30, TimeUnit.SECONDS).stream()
                    .filter(n -> n.startsWith(prefix))
                    .toList();
            admin.deleteTopics(names).all().get(60, TimeUnit.SECONDS);
        }
    }

    /**
     * Waits until every partition has a leader, so producers do not start into a partition still electing one.
     */
    private static void awaitLeaders(Admin admin, List<String> names) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            boolean ready;
            try {
                ready = admin.describeTopics(names).allTopicNames().get(30, TimeUnit.SECONDS).values().stream()
                        .flatMap(d -> d.partitions().stream())
                        .allMatch(p -> p.leader() != null && !p.leader().isEmpty());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw e;
                }
                ready = false; // created, but not yet in the metadata this broker serves
            }
            if (ready) {
                return;
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException("topics " + names + " have no leader after 30 s");
            }
            Thread.sleep(50);
        }
    }

    /**
     * Responses then their feedback, interleaved in pairs; each feedback is 1 ms younger than its response, as a
     * user can only rate what was shown. (With equal timestamps Kafka Streams may take either topic first, and about
     * half the feedback took the early-feedback path.)
     */
    private List<ProducerRecord<byte[], byte[]>> records(Topics topics, int events, long t0) {
        Random random = new Random(7);
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>(2 * events);
        for (int i = 0; i < events; i++) {
            out.add(response(topics, i, t0 + 2L * i));
            out.add(feedback(
                    topics,
                    i,
                    t0 + 2L * i + 1,
                    random.nextBoolean() ? FeedbackKind.THUMBS_UP : FeedbackKind.THUMBS_DOWN));
        }
        return out;
    }

    private static ProducerRecord<byte[], byte[]> response(Topics topics, int i, long time) {
        String id = "r-" + i;
        ResponseGenerated r = Events.response(id, "p-" + i, "completion number " + i + " ".repeat(i % 200), 1, time);
        return new ProducerRecord<>(
                topics.responses().name(),
                null,
                time,
                id.getBytes(StandardCharsets.UTF_8),
                topics.responses()
                        .valueSerde()
                        .serializer()
                        .serialize(topics.responses().name(), r));
    }

    private static ProducerRecord<byte[], byte[]> feedback(Topics topics, int i, long time, FeedbackKind kind) {
        String id = "r-" + i;
        Feedback f = Events.feedback("f-" + i, id, "u-" + (i % 1000), kind, time);
        return new ProducerRecord<>(
                topics.feedback().name(),
                null,
                time,
                id.getBytes(StandardCharsets.UTF_8),
                topics.feedback()
                        .valueSerde()
                        .serializer()
                        .serialize(topics.feedback().name(), f));
    }

    private KafkaProducer<byte[], byte[]> producer() {
        return producer(5);
    }

    private KafkaProducer<byte[], byte[]> producer(int maxInFlight) {
        Properties p = new Properties();
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, maxInFlight);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 128 * 1024);
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    private KafkaConsumer<byte[], byte[]> consumer(String group, boolean readCommitted) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, readCommitted ? "read_committed" : "read_uncommitted");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2_000);
        return new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private void preload(Topics topics, int events) {
        // One request in flight: a fresh partition can still answer NOT_LEADER_OR_FOLLOWER for a moment after its
        // leader shows in the metadata, and with five in flight the idempotent producer's retries were seen to loop
        // on OUT_OF_ORDER_SEQUENCE until the delivery timeout dropped the batches. The preload is not timed.
        try (KafkaProducer<byte[], byte[]> producer = producer(1)) {
            List<Future<?>> sent = new ArrayList<>();
            records(topics, events, System.currentTimeMillis() - 60_000).forEach(r -> sent.add(producer.send(r)));
            producer.flush();
            for (Future<?> f : sent) {
                f.get(); // a lost preload record would leave the timed run waiting for examples that never come
            }
        } catch (Exception e) {
            throw new IllegalStateException("preloading the benchmark records failed", e);
        }
    }

    /**
     * Feedback events per second a plain consumer and producer copy, from the first record read to the last one
     * acknowledged (closing the clients is not timed, as closing Kafka Streams is not in {@link #timedStreams}).
     */
    private double passthrough(int events) throws Exception {
        String prefix = "pt-" + UUID.randomUUID().toString().substring(0, 6) + ".";
        Topics topics = topics(prefix);
        preload(topics, events);
        var diag = requestCounts();
        long first = 0;
        long end;
        long copied = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = consumer(prefix + "g", false);
                KafkaProducer<byte[], byte[]> producer = producer()) {
            consumer.subscribe(
                    List.of(topics.responses().name(), topics.feedback().name()));
            String out = copyTopic(topics.names());
            while (copied < 2L * events) {
                ConsumerRecords<byte[], byte[]> batch = consumer.poll(Duration.ofMillis(100));
                for (ConsumerRecord<byte[], byte[]> r : batch) {
                    if (first == 0) {
                        first = System.nanoTime();
                    }
                    producer.send(new ProducerRecord<>(out, r.key(), r.value()));
                    copied++;
                }
                consumer.commitAsync();
            }
            producer.flush();
            end = System.nanoTime();
        }
        printDelta("passthrough", diag, events);
        dropTopics(prefix);
        return events / ((end - first) / 1e9);
    }

    /**
     * The KTO topology in a {@link KafkaStreams} with the application's own Kafka properties
     * ({@link StreamsApp#streamsProperties}): what is measured is what {@code streamrlhf} runs, with the overrides
     * given on the command line and those of the variant being timed.
     */
    private KafkaStreams ktoStreams(Topics topics, String appId, StateStoreType type) throws Exception {
        return new KafkaStreams(ktoTopology(topics, type), streamsProperties(topics, appId, type));
    }

    /** The command line's overrides with the variant being timed on top. */
    private Map<String, String> overrides() {
        Map<String, String> all = new TreeMap<>(streamsOverrides);
        all.putAll(variant);
        return all;
    }

    private Topology ktoTopology(Topics topics, StateStoreType type) {
        return new KtoTopology(
                        KtoConfig.fromProperties(overrides())
                                .withSettleDelay(Duration.ZERO)
                                .withUserLabelsPerHour(0),
                        ValidationConfig.defaults(),
                        new StreamSerdes(topics, registry, type))
                .build();
    }

    /**
     * The application's Kafka Streams properties, then any {@code kafka.*} argument (or variant key) with the prefix
     * taken off, e.g. {@code kafka.max.poll.records=2000} or {@code kafka.consumer.fetch.max.wait.ms=10}: for trying
     * a Kafka setting the application does not expose.
     */
    private Properties streamsProperties(Topics topics, String appId, StateStoreType type) throws Exception {
        Properties p = StreamsApp.streamsProperties(appConfig(topics, appId, type));
        overrides().forEach((k, v) -> {
            if (k.startsWith("kafka.")) {
                p.put(k.substring("kafka.".length()), v);
            }
        });
        return p;
    }

    private StreamsAppConfig appConfig(Topics topics, String appId, StateStoreType type) throws Exception {
        Map<String, String> props = new HashMap<>(streamsOverrides);
        props.put("streams.application.id", appId);
        props.put("bootstrap.servers", bootstrap);
        props.put("streams.state.dir", Files.createTempDirectory("bench-state-").toString());
        props.put("streams.threads", String.valueOf(threads));
        props.put("streams.commit.interval", commitMs + "ms");
        props.put("streams.state.store", type.name());
        props.put("topic.dead.letters", topics.names().deadLetters());
        props.putAll(variant);
        return StreamsAppConfig.fromProperties(props, registry);
    }

    /** The embedded broker's request counts by API, read from its JMX meters in this JVM. */
    static Map<String, Long> requestCounts() {
        Map<String, Long> out = new TreeMap<>();
        try {
            MBeanServer server = ManagementFactory.getPlatformMBeanServer();
            for (ObjectName name : server.queryNames(
                    new ObjectName("kafka.network:type=RequestMetrics,name=RequestsPerSec,*"), null)) {
                String req = name.getKeyProperty("request");
                long count = ((Number) server.getAttribute(name, "Count")).longValue();
                out.merge(req, count, Long::sum);
            }
            // Broker-side time per request of the APIs a commit waits on: the phase's mean is the change in
            // mean * count over the change in count (keys "time:API:part", in microseconds).
            for (String api : List.of("Produce", "Fetch", "TxnOffsetCommit", "EndTxn", "AddOffsetsToTxn")) {
                for (String part : List.of(
                        "TotalTimeMs", "RequestQueueTimeMs", "LocalTimeMs", "RemoteTimeMs", "ResponseQueueTimeMs")) {
                    for (ObjectName name : server.queryNames(
                            new ObjectName("kafka.network:type=RequestMetrics,name=" + part + ",request=" + api + ",*"),
                            null)) {
                        long count = ((Number) server.getAttribute(name, "Count")).longValue();
                        double mean = ((Number) server.getAttribute(name, "Mean")).doubleValue();
                        out.merge("time:" + api + ":" + part, Math.round(mean * count * 1000), Long::sum);
                        if (part.equals("TotalTimeMs")) {
                            out.merge("count:" + api, count, Long::sum);
                        }
                    }
                }
            }
            for (String meter : List.of("BytesInPerSec", "MessagesInPerSec", "BytesOutPerSec")) {
                // the all-topics meter has no topic key
                ObjectName all = new ObjectName("kafka.server:type=BrokerTopicMetrics,name=" + meter);
                if (server.isRegistered(all)) {
                    out.put(meter, ((Number) server.getAttribute(all, "Count")).longValue());
                }
            }
            for (ObjectName name :
                    server.queryNames(new ObjectName("kafka.network:type=RequestMetrics,name=ErrorsPerSec,*"), null)) {
                String error = name.getKeyProperty("error");
                if (!"NONE".equals(error)) {
                    long count = ((Number) server.getAttribute(name, "Count")).longValue();
                    out.merge(name.getKeyProperty("request") + "!" + error, count, Long::sum);
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return out;
    }

    /**
     * Prints the broker requests per 1,000 feedback events since {@code before}, the APIs above 1 per 1,000: where
     * the broker's work comes from (a KTO run sends transactional requests a passthrough does not).
     */
    static void printDelta(String label, Map<String, Long> before, long events) {
        Map<String, Long> after = requestCounts();
        if (after.isEmpty()) {
            return; // the broker runs in its own JVM
        }
        StringBuilder sb = new StringBuilder("broker, " + label + ": requests, bytes and messages per 1000 feedback "
                + "events; request counts, errors and mean times in the phase:");
        after.forEach((k, v) -> {
            long d = v - before.getOrDefault(k, 0L);
            if (k.startsWith("time:")) {
                String api = k.split(":")[1];
                long n = after.getOrDefault("count:" + api, 0L) - before.getOrDefault("count:" + api, 0L);
                if (n > 0) {
                    sb.append(String.format(Locale.ROOT, " %s=%.1fms", k.substring(5), d / 1000.0 / n));
                }
            } else if (k.contains("!") && d > 0) {
                sb.append(String.format(Locale.ROOT, " %s=%d", k, d));
            } else if (k.startsWith("count:")) {
                sb.append(String.format(Locale.ROOT, " %s=%d", k, d));
            } else if (d > events / 1000) {
                sb.append(String.format(Locale.ROOT, " %s=%.1f", k, 1000.0 * d / events));
            }
        });
        System.out.println(sb);
    }

    /**
     * Prints where the stream threads spent their time (Kafka Streams' thread-level ratios and latencies, averaged
     * over the threads): a thread that is not processing is polling, committing a transaction or punctuating.
     */
    static void printThreadMetrics(KafkaStreams streams) {
        Map<String, List<Double>> byName = new TreeMap<>();
        List<String> wanted = List.of(
                "process-ratio",
                "poll-ratio",
                "commit-ratio",
                "punctuate-ratio",
                "commit-latency-avg",
                "poll-latency-avg",
                "process-records-avg",
                "poll-records-avg");
        streams.metrics().forEach((name, metric) -> {
            if (name.group().equals("stream-thread-metrics")
                    && wanted.contains(name.name())
                    && metric.metricValue() instanceof Number n
                    && !Double.isNaN(n.doubleValue())) {
                byName.computeIfAbsent(name.name(), k -> new ArrayList<>()).add(n.doubleValue());
            }
        });
        Map<String, Double> producer = new TreeMap<>();
        streams.metrics().forEach((name, metric) -> {
            if (name.group().equals("producer-metrics")
                    && name.name().endsWith("-time-ns-total")
                    && metric.metricValue() instanceof Number n) {
                producer.merge(name.name().replace("-time-ns-total", ""), n.doubleValue() / 1e6, Double::sum);
            }
        });
        StringBuilder sb = new StringBuilder("stream threads (producer times summed, ratios the mean over threads):");
        producer.forEach((k, v) -> sb.append(String.format(Locale.ROOT, " producer %s total %.0f ms;", k, v)));
        byName.forEach((k, v) -> sb.append(String.format(
                Locale.ROOT,
                " %s=%.3f",
                k,
                v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN))));
        System.out.println(sb);
    }

    /**
     * CPU time so far of the live threads of application {@code appId} (stream threads and their state updaters;
     * Kafka Streams names them after the application id). Less noisy than throughput on a shared machine: it
     * counts the work, not the waiting.
     */
    static long streamThreadCpuNanos(String appId) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long total = 0;
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadName().startsWith(appId)) {
                total += Math.max(0, threads.getThreadCpuTime(info.getThreadId()));
            }
        }
        return total;
    }

    /** Feedback events per second through the KTO topology, from the first to the last committed example. */
    private double kto(int events, StateStoreType type) throws Exception {
        return timedStreams(
                "kto",
                "kto " + type,
                events,
                events,
                type,
                topics -> ktoTopology(topics, type),
                topics -> topics.ktoExamples().name());
    }

    /**
     * Feedback events per second through a Kafka Streams application that only copies the same records, under the
     * same exactly-once properties and threads: what exactly-once Kafka Streams costs before any state or logic.
     */
    private double eosPassthrough(int events) throws Exception {
        return timedStreams(
                "eos",
                "eos passthrough",
                events,
                2L * events,
                StateStoreType.IN_MEMORY,
                topics -> {
                    StreamsBuilder builder = new StreamsBuilder();
                    builder.stream(
                                    List.of(
                                            topics.responses().name(),
                                            topics.feedback().name()),
                                    Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()))
                            .to(copyTopic(topics.names()), Produced.with(Serdes.ByteArray(), Serdes.ByteArray()));
                    return builder.build();
                },
                topics -> copyTopic(topics.names()));
    }

    /** Feedback events per second through {@link FloorTopology#avroOnly}. */
    private double avroFloor(int events) throws Exception {
        return timedStreams(
                "avro",
                AVRO_FLOOR,
                events,
                events,
                StateStoreType.IN_MEMORY,
                FloorTopology::avroOnly,
                topics -> topics.ktoExamples().name());
    }

    /** Feedback events per second through {@link FloorTopology#minimalJoin}. */
    private double joinFloor(int events, StateStoreType type, boolean logged) throws Exception {
        return timedStreams(
                "join",
                JOIN_FLOOR + type + (logged ? "" : UNLOGGED),
                events,
                events,
                type,
                topics -> FloorTopology.minimalJoin(topics, type, logged),
                topics -> topics.ktoExamples().name(),
                !logged);
    }

    /** Feedback events per second through {@link FloorTopology#ruleFloor}. */
    private double ruleFloor(int events, StateStoreType type) throws Exception {
        return timedStreams(
                "rules",
                RULE_FLOOR + type,
                events,
                events,
                type,
                topics -> FloorTopology.ruleFloor(topics, type),
                topics -> topics.ktoExamples().name());
    }

    /** Where both pass-throughs copy the records to. */
    private static String copyTopic(TopicNames names) {
        return names.responses() + ".copy";
    }

    /**
     * Runs {@code topology} over {@code events} preloaded feedback events (and their responses) and returns feedback
     * events per second, from the first to the last of {@code expected} records committed to {@code output}. Closing
     * the application is not timed, as the plain passthrough's close is not; its duration is printed.
     */
    private double timedStreams(
            String kind,
            String label,
            int events,
            long expected,
            StateStoreType type,
            Function<Topics, Topology> topology,
            Function<Topics, String> output)
            throws Exception {
        return timedStreams(kind, label, events, expected, type, topology, output, false);
    }

    /**
     * As above; {@code lossy} for a pipeline that is not fault-tolerant (the unlogged floor join loses a response
     * whose task moves to another thread): the run ends once 99.9% of {@code expected} came and nothing more for
     * 5 s, and the rate counts what came.
     */
    private double timedStreams(
            String kind,
            String label,
            int events,
            long expected,
            StateStoreType type,
            Function<Topics, Topology> topology,
            Function<Topics, String> output,
            boolean lossy)
            throws Exception {
        String prefix = kind + "-" + UUID.randomUUID().toString().substring(0, 6) + ".";
        Topics topics = topics(prefix);
        preload(topics, events);
        var diag = requestCounts();
        long first = 0;
        long last = 0;
        long seen = 0;
        long tenth = Math.max(1, expected / 10);
        long[] segment = null;
        try (KafkaStreams streams =
                        new KafkaStreams(topology.apply(topics), streamsProperties(topics, prefix + "app", type));
                KafkaConsumer<byte[], byte[]> consumer = consumer(prefix + "reader", true)) {
            streams.start();
            consumer.subscribe(List.of(output.apply(topics)));
            long deadline = System.currentTimeMillis() + 600_000;
            long lastProgress = System.currentTimeMillis();
            while (seen < expected && System.currentTimeMillis() < deadline) {
                if (lossy && seen >= expected * 0.999 && System.currentTimeMillis() - lastProgress > 5_000) {
                    System.out.printf(
                            Locale.ROOT,
                            "%s: %d of %d records came; the rest were lost (not fault-tolerant)" + "%n",
                            label,
                            seen,
                            expected);
                    break;
                }
                if (System.currentTimeMillis() - lastProgress > 60_000) {
                    throw new IllegalStateException("no output for 60 s after " + seen + " of " + expected);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    lastProgress = System.currentTimeMillis();
                    if (first == 0) {
                        first = System.nanoTime();
                        segment = new long[] {first, streamThreadCpuNanos(prefix + "app"), 0};
                    }
                    last = System.nanoTime();
                    seen++;
                }
                if (segment != null && (seen - segment[2] >= tenth || seen >= expected)) {
                    segment = printSegment(label, segment, seen, expected, events, prefix + "app");
                }
            }
            printDelta(label, diag, events);
            printThreadMetrics(streams);
            System.out.printf(
                    Locale.ROOT,
                    "stream threads' CPU per feedback event, %s: %.1f us%n",
                    label,
                    streamThreadCpuNanos(prefix + "app") / 1e3 / events);
            long closing = System.nanoTime();
            // A pipeline that stops short of its last records (the unlogged floor) may take longer to close; its
            // local state can only be cleaned once it has.
            boolean closed = streams.close(Duration.ofSeconds(30)) || streams.close(Duration.ofSeconds(60));
            System.out.printf(
                    Locale.ROOT,
                    "closing the Streams application, %s: %.0f ms (not timed)%s%n",
                    label,
                    (System.nanoTime() - closing) / 1e6,
                    closed ? "" : "; not closed after 90 s, its local state is left in place");
            if (closed) {
                streams.cleanUp();
            }
        }
        dropTopics(prefix);
        return events * (seen / (double) expected) / ((last - first) / 1e9);
    }

    /**
     * Prints the rate and the stream threads' CPU per feedback event since the last segment (a tenth of the run): they
     * show whether a pipeline's cost per event changes as the run goes on. {@code segment} holds the segment's start
     * time, the stream threads' CPU then and the records seen then; returns the next segment's.
     */
    private static long[] printSegment(
            String label, long[] segment, long seen, long expected, int events, String appId) {
        long now = System.nanoTime();
        long cpu = streamThreadCpuNanos(appId);
        double feedback = (seen - segment[2]) * (double) events / expected;
        System.out.printf(
                Locale.ROOT,
                "segment, %s: %3.0f%% done, %,9.0f feedback ev/s, stream CPU %5.1f us/event%n",
                label,
                100.0 * seen / expected,
                feedback / ((now - segment[0]) / 1e9),
                (cpu - segment[1]) / 1e3 / Math.max(1, feedback));
        return new long[] {now, cpu, seen};
    }

    /** p50 and p99 of feedback-event-time to committed-example latency at {@code rate} events/s. */
    private double[] latency(int rate, int seconds, StateStoreType type) throws Exception {
        String prefix = "lat-" + UUID.randomUUID().toString().substring(0, 6) + ".";
        Topics topics = topics(prefix);
        List<Long> latencies = new ArrayList<>();
        try (KafkaStreams streams = ktoStreams(topics, prefix + "app", type);
                KafkaConsumer<byte[], byte[]> consumer = consumer(prefix + "reader", true);
                KafkaProducer<byte[], byte[]> producer = producer()) {
            streams.start();
            long waitUntil = System.currentTimeMillis() + 60_000;
            while (streams.state() != KafkaStreams.State.RUNNING && System.currentTimeMillis() < waitUntil) {
                Thread.sleep(50);
            }
            consumer.subscribe(List.of(topics.ktoExamples().name()));
            consumer.poll(Duration.ofMillis(500));
            var deserializer = topics.ktoExamples().valueSerde().deserializer();
            Thread sender = new Thread(
                    () -> {
                        // Responses and feedback alternate: rate/2 feedback events per second, each right after its
                        // response.
                        long start = System.nanoTime();
                        int sent = 0;
                        int total = rate * seconds;
                        while (sent < total) {
                            long due = (long) ((System.nanoTime() - start) / 1e9 * rate);
                            while (sent < Math.min(due, total)) {
                                int i = sent / 2;
                                long now = System.currentTimeMillis();
                                producer.send(
                                        sent % 2 == 0
                                                ? response(topics, i, now)
                                                : feedback(topics, i, now, FeedbackKind.THUMBS_UP));
                                sent++;
                            }
                            try {
                                Thread.sleep(1);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                                return;
                            }
                        }
                        producer.flush();
                    },
                    "bench-sender");
            sender.start();
            int expected = rate * seconds / 2;
            long deadline = System.currentTimeMillis() + (seconds + 60) * 1000L;
            while (latencies.size() < expected && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(20))) {
                    KtoExample e = deserializer.deserialize(r.topic(), r.value());
                    latencies.add(
                            System.currentTimeMillis() - e.getFeedbackTime().toEpochMilli());
                }
            }
            sender.join();
            streams.close(Duration.ofSeconds(30));
            streams.cleanUp();
        }
        dropTopics(prefix);
        // The first seconds include warm-up (JIT, first transactions): drop the first 10%.
        long[] sorted = latencies.stream()
                .skip(latencies.size() / 10)
                .mapToLong(Long::longValue)
                .sorted()
                .toArray();
        if (sorted.length == 0) {
            return new double[] {Double.NaN, Double.NaN};
        }
        return new double[] {
            sorted[(int) (sorted.length * 0.50)], sorted[Math.min(sorted.length - 1, (int) (sorted.length * 0.99))]
        };
    }
}
