package io.streamrlhf.bench.freshness;

import io.streamrlhf.app.pipeline.Component;
import io.streamrlhf.app.pipeline.DemoDefaults;
import io.streamrlhf.app.pipeline.DemoModel;
import io.streamrlhf.app.pipeline.Pipeline;
import io.streamrlhf.app.pipeline.PipelineSettings;
import io.streamrlhf.app.pipeline.TorchThreads;
import io.streamrlhf.app.pipeline.WarmStartCorpus;
import io.streamrlhf.avro.FeedbackKind;
import io.streamrlhf.avro.KtoExample;
import io.streamrlhf.avro.PolicyStatus;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.config.Settings;
import io.streamrlhf.localstack.stack.LocalStack;
import io.streamrlhf.localstack.stack.StackConfig;
import io.streamrlhf.producers.client.ChatFeedbackClient;
import io.streamrlhf.producers.client.ChatResponse;
import io.streamrlhf.producers.config.ClientConfig;
import io.streamrlhf.schemas.registry.RestSchemaRegistryClient;
import io.streamrlhf.streams.config.KtoConfig;
import io.streamrlhf.streams.config.StreamsAppConfig;
import io.streamrlhf.trainer.config.TrainerConfig;
import io.streamrlhf.trainer.config.TrainerConfigFactory;
import io.streamrlhf.trainer.publish.VersionExamples;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * Freshness: the time from a feedback event being produced to the commit of the first policy version whose lineage
 * contains the example made from it. Starts the demo stack in this JVM (embedded broker and registry, streams,
 * trainer, sampler, prompt source and simulated users, with the demo's defaults and a tiny model), then writes
 * probe responses and thumbs through the real {@link ChatFeedbackClient} at a steady rate, amid the simulated
 * users' own traffic. Two {@code read_committed} readers follow the KTO examples topic and the policy versions
 * topic; {@link FreshnessTracker} joins them. Prints p50, p99 and max of the whole path and of its two stages
 * (streams: feedback to example; trainer: example to version), and the settings that bound each stage.
 *
 * <p>Arguments are {@code key=value} settings of the stack (any key the demo reads) or of the run:
 * {@code bench.rate} (probes per second, default 2), {@code bench.warmup.seconds} (15, not measured),
 * {@code bench.seconds} (90, measured), {@code bench.drain.seconds} (90: how long to wait for the last measured
 * probes, probes still being sent so that stream time keeps moving). An argument {@code variant:k=v,k2=v2} adds a
 * run with those settings on top, each on a fresh stack after the baseline; the figures of every run are printed
 * side by side at the end, so that the setting that dominates shows against the baseline of the same machine.
 */
public final class FreshnessBenchmark {

    private static final String PROBE_PREFIX = "bench-r-";

    private final PrintStream out;
    private final Map<String, String> overrides;

    FreshnessBenchmark(PrintStream out, Map<String, String> overrides) {
        this.out = out;
        this.overrides = Map.copyOf(overrides);
    }

    /** The figures of one run, for the side-by-side table. */
    private record Run(String name, FreshnessTracker.Result result) {}

    public static void main(String[] args) throws Exception {
        Map<String, String> overrides = new LinkedHashMap<>();
        Map<String, Map<String, String>> variants = new LinkedHashMap<>();
        variants.put("baseline (demo defaults)", Map.of());
        for (String arg : args) {
            if (arg.startsWith("variant:")) {
                Map<String, String> variant = new LinkedHashMap<>();
                for (String pair : arg.substring("variant:".length()).split(",")) {
                    put(variant, pair);
                }
                variants.put(arg.substring("variant:".length()), variant);
            } else {
                put(overrides, arg);
            }
        }
        TorchThreads.apply(Optional.of(Integer.parseInt(overrides.getOrDefault("torch.threads", "1"))));
        List<Run> runs = new ArrayList<>();
        for (Map.Entry<String, Map<String, String>> variant : variants.entrySet()) {
            Map<String, String> settings = new LinkedHashMap<>(overrides);
            settings.putAll(variant.getValue());
            System.out.printf(Locale.ROOT, "%n#### %s%n", variant.getKey());
            runs.add(new Run(variant.getKey(), new FreshnessBenchmark(System.out, settings).run()));
        }
        if (runs.size() > 1) {
            printSideBySide(System.out, runs);
        }
        System.exit(0);
    }

    private static void put(Map<String, String> into, String pair) {
        int eq = pair.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException("Expected key=value, got '" + pair + "'");
        }
        into.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
    }

    private static void printSideBySide(PrintStream out, List<Run> runs) {
        out.printf(Locale.ROOT, "%n== side by side (ms; freshness = feedback produced -> version committed)%n");
        out.printf(
                Locale.ROOT,
                "%-52s %9s %9s %9s %6s %12s %12s%n",
                "run",
                "p50",
                "p99",
                "max",
                "count",
                "streams p50",
                "trainer p50");
        for (Run run : runs) {
            List<Double> fresh = run.result().toVersion();
            out.printf(
                    Locale.ROOT,
                    "%-52s %9.0f %9.0f %9.0f %6d %12.0f %12.0f%n",
                    run.name(),
                    FreshnessTracker.percentile(fresh, 50),
                    FreshnessTracker.percentile(fresh, 99),
                    fresh.isEmpty() ? Double.NaN : fresh.get(fresh.size() - 1),
                    fresh.size(),
                    FreshnessTracker.percentile(run.result().toExample(), 50),
                    FreshnessTracker.percentile(run.result().exampleToVersion(), 50));
        }
    }

    /** The stack's settings: a tiny model on the demo's defaults, ports chosen free, then the overrides. */
    static Map<String, String> settings(Path dataDir, Map<String, String> overrides) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("data.dir", dataDir.toString());
        s.put("monitor.http.port", "0");
        s.put("streams.application.id", "streamrlhf-freshness");
        // A tiny policy, so the run takes minutes and measures the pipeline rather than the model.
        s.put("trainer.model.layers", "1");
        s.put("trainer.model.width", "32");
        s.put("trainer.model.heads", "2");
        s.put("trainer.model.context", "64");
        s.put("trainer.warmstart.steps", "20");
        s.put("warmstart.corpus.lines", "200");
        s.put("sampler.max.tokens", "12");
        // Freshness is measured to the committed version. The demo's trainer is paced by the canary (one version
        // awaiting its decision at a time), which would make this the canary's decision time; here the trainer
        // publishes on its own clock, as when this benchmark was defined. Override to measure the paced demo.
        s.put("trainer.publish.max.undecided", "0");
        s.putAll(overrides);
        return s;
    }

    /** One run on a fresh stack; prints its figures and returns them. */
    FreshnessTracker.Result run() throws Exception {
        double rate = Double.parseDouble(overrides.getOrDefault("bench.rate", "2"));
        Duration warmup = Duration.ofSeconds(Long.parseLong(overrides.getOrDefault("bench.warmup.seconds", "15")));
        Duration measured = Duration.ofSeconds(Long.parseLong(overrides.getOrDefault("bench.seconds", "90")));
        Duration drain = Duration.ofSeconds(Long.parseLong(overrides.getOrDefault("bench.drain.seconds", "90")));
        Path dataDir = Files.createTempDirectory("streamrlhf-freshness-");
        Settings settings = Settings.of(settings(dataDir, overrides));
        try (LocalStack stack = new LocalStack(StackConfig.from(settings.asMap())).start();
                RestSchemaRegistryClient registry = new RestSchemaRegistryClient(stack.registryUrl())) {
            Map<String, String> props = PipelineSettings.resolve(
                    DemoDefaults.apply(settings, dataDir), stack.bootstrapServers(), stack.registryUrl(), dataDir);
            WarmStartCorpus.ensure(props);
            DemoModel.ensure(props);
            printSettings(props, registry, rate, warmup, measured);
            long setupStart = System.nanoTime();
            try (Pipeline pipeline = new Pipeline(props, registry)
                            .start(EnumSet.of(
                                    Component.STREAMS,
                                    Component.TRAINER,
                                    Component.SAMPLER,
                                    Component.PROMPTS,
                                    Component.USERS));
                    ChatFeedbackClient client = new ChatFeedbackClient(
                            ClientConfig.fromProperties(props).withClientId("freshness-bench"), registry);
                    KafkaConsumer<String, KtoExample> examples =
                            pipeline.topics().ktoExamples().replayingConsumer(stack.bootstrapServers(), Map.of());
                    KafkaConsumer<String, PolicyVersion> versions =
                            pipeline.topics().policyVersions().replayingConsumer(stack.bootstrapServers(), Map.of())) {
                FreshnessTracker tracker =
                        new FreshnessTracker(pipeline.topics().ktoExamples().name());
                List<Long> versionNanos = new ArrayList<>();
                List<PolicyVersion> published = new ArrayList<>();
                AtomicLong latestVersion = new AtomicLong(-1);
                while (latestVersion.get() < 0) {
                    for (ConsumerRecord<String, PolicyVersion> r : versions.poll(Duration.ofMillis(200))) {
                        latestVersion.set(r.value().getVersion());
                    }
                }
                out.printf(
                        Locale.ROOT,
                        "stack up, version %d visible after %.1f s; probing%n",
                        latestVersion.get(),
                        (System.nanoTime() - setupStart) / 1e9);
                long start = System.nanoTime();
                long measureFrom = start + warmup.toNanos();
                long measureUntil = measureFrom + measured.toNanos();
                ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor(r -> {
                    Thread t = new Thread(r, "freshness-probes");
                    t.setDaemon(true);
                    return t;
                });
                AtomicLong sequence = new AtomicLong();
                sender.scheduleAtFixedRate(
                        () -> probe(
                                client,
                                tracker,
                                sequence.getAndIncrement(),
                                latestVersion.get(),
                                measureFrom,
                                measureUntil),
                        0,
                        (long) (1e9 / rate),
                        TimeUnit.NANOSECONDS);
                long deadline = measureUntil + drain.toNanos();
                try {
                    while (System.nanoTime() < deadline
                            && (System.nanoTime() < measureUntil || !tracker.measuredResolved())) {
                        for (ConsumerRecord<String, KtoExample> r : examples.poll(Duration.ofMillis(20))) {
                            tracker.example(r.value().getResponseId(), r.partition(), r.offset(), System.nanoTime());
                        }
                        for (ConsumerRecord<String, PolicyVersion> r : versions.poll(Duration.ofMillis(20))) {
                            long now = System.nanoTime();
                            tracker.version(r.value().getVersion(), r.value().getLineage(), now);
                            latestVersion.set(r.value().getVersion());
                            if (now >= measureFrom && r.value().getStatus() == PolicyStatus.PUBLISHED) {
                                versionNanos.add(now);
                                published.add(r.value());
                            }
                        }
                    }
                } finally {
                    sender.shutdownNow();
                }
                FreshnessTracker.Result result = tracker.result();
                report(result, published, versionNanos);
                out.println("slowest probes:");
                tracker.slowest(5, start).forEach(line -> out.println("  " + line));
                return result;
            }
        } finally {
            deleteQuietly(dataDir);
        }
    }

    /** One probe: a response the user saw, acknowledged, then the user's thumb on it, timed from its send. */
    private void probe(
            ChatFeedbackClient client,
            FreshnessTracker tracker,
            long n,
            long version,
            long measureFrom,
            long measureUntil) {
        String responseId = PROBE_PREFIX + n;
        String user = "bench-user-" + (n % 20);
        try {
            client.recordResponse(ChatResponse.of("bench-p-" + n, "Say hello.", "Hello, thank you for asking!")
                            .withResponseId(responseId)
                            .withUser(user, "bench-c-" + n)
                            .withModel("policy", version)
                            .withTask("chat"))
                    .join();
            long now = System.nanoTime();
            tracker.sent(responseId, now, now >= measureFrom && now < measureUntil);
            client.feedback(
                    n % 2 == 0 ? FeedbackKind.THUMBS_UP : FeedbackKind.THUMBS_DOWN,
                    responseId,
                    user,
                    null,
                    "bench-f-" + n);
        } catch (RuntimeException e) {
            out.println("probe " + n + " failed: " + e);
        }
    }

    private void printSettings(
            Map<String, String> props,
            RestSchemaRegistryClient registry,
            double rate,
            Duration warmup,
            Duration measured) {
        TrainerConfig trainer = TrainerConfigFactory.fromProperties(props);
        StreamsAppConfig streams = StreamsAppConfig.fromProperties(props, registry);
        KtoConfig kto = streams.settings().kto();
        out.printf(
                Locale.ROOT,
                "== freshness: feedback produced -> first committed policy version containing its " + "example%n");
        out.printf(
                Locale.ROOT,
                "probes: %.1f/s through ChatFeedbackClient, warm-up %d s, measured %d s, amid the "
                        + "demo's own traffic (prompts %s/s)%n",
                rate,
                warmup.toSeconds(),
                measured.toSeconds(),
                props.getOrDefault("prompts.rate.per.second", "2"));
        out.printf(
                Locale.ROOT,
                "model: %d layer(s), width %d, %d heads, context %d%n",
                trainer.model().layers(),
                trainer.model().width(),
                trainer.model().heads(),
                trainer.model().context());
        out.printf(
                Locale.ROOT,
                "trainer: publish.every.steps=%d publish.every=%s kto.batch.size=%d "
                        + "dpo.batch.size=%d poll.timeout=%s max.poll.records=%d%n",
                trainer.publishEverySteps(),
                trainer.publishEvery(),
                trainer.kto().batchSize(),
                trainer.dpo().batchSize(),
                trainer.pollTimeout(),
                trainer.maxPollRecords());
        out.printf(
                Locale.ROOT,
                "streams: commitInterval=%s kto.settle.delay=%s kto.punctuate.interval=%s " + "threads=%d%n",
                streams.commitInterval(),
                kto.settleDelay(),
                kto.punctuateInterval(),
                streams.threads());
    }

    private void report(FreshnessTracker.Result result, List<PolicyVersion> published, List<Long> versionNanos) {
        out.printf(
                Locale.ROOT,
                "%nmeasured probes: %d, in a version: %d, not in any version by the end: %d "
                        + "(system load average %.1f on %d cores)%n",
                result.measured(),
                result.toVersion().size(),
                result.unresolved(),
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
                Runtime.getRuntime().availableProcessors());
        out.printf(Locale.ROOT, "%-38s %9s %9s %9s %6s%n", "stage (ms)", "p50", "p99", "max", "count");
        line("feedback -> example (streams)", result.toExample());
        line("example -> version (trainer)", result.exampleToVersion());
        line("feedback -> version (freshness)", result.toVersion());
        double p99 = FreshnessTracker.percentile(result.toVersion(), 99);
        out.printf(
                Locale.ROOT,
                "goal p99 < 10000 ms: %s%n",
                Double.isNaN(p99) ? "not measured" : p99 < 10_000 ? "met" : "MISSED");
        if (published.size() > 1) {
            List<Double> gaps = new ArrayList<>();
            for (int i = 1; i < versionNanos.size(); i++) {
                gaps.add((versionNanos.get(i) - versionNanos.get(i - 1)) / 1e6);
            }
            gaps.sort(Comparator.naturalOrder());
            double steps = published.stream()
                    .mapToDouble(v -> v.getMetrics().getOrDefault("steps", 0.0))
                    .average()
                    .orElse(0);
            double absorbed = published.stream()
                    .mapToDouble(v -> VersionExamples.consumed(v) >= 0
                            ? VersionExamples.consumed(v)
                            : VersionExamples.offsetsSpanned(v))
                    .average()
                    .orElse(0);
            out.printf(
                    Locale.ROOT,
                    "versions published after warm-up: %d (v%d to v%d), gap between versions p50 %.0f "
                            + "ms max %.0f ms, mean %.1f steps and %.1f examples per version%n",
                    published.size(),
                    published.get(0).getVersion(),
                    published.get(published.size() - 1).getVersion(),
                    FreshnessTracker.percentile(gaps, 50),
                    gaps.get(gaps.size() - 1),
                    steps,
                    absorbed);
        }
    }

    private void line(String name, List<Double> sorted) {
        out.printf(
                Locale.ROOT,
                "%-38s %9.0f %9.0f %9.0f %6d%n",
                name,
                FreshnessTracker.percentile(sorted, 50),
                FreshnessTracker.percentile(sorted, 99),
                sorted.isEmpty() ? Double.NaN : sorted.get(sorted.size() - 1),
                sorted.size());
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A temp folder left behind is harmless.
        }
    }
}
