package io.streamrlhf.bench.experiment;

import ai.djl.ndarray.NDManager;
import io.streamrlhf.app.pipeline.Component;
import io.streamrlhf.app.pipeline.DemoDefaults;
import io.streamrlhf.app.pipeline.DemoModel;
import io.streamrlhf.app.pipeline.Pipeline;
import io.streamrlhf.app.pipeline.PipelineSettings;
import io.streamrlhf.app.pipeline.TorchThreads;
import io.streamrlhf.app.pipeline.WarmStartCorpus;
import io.streamrlhf.avro.DpoPair;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.config.Settings;
import io.streamrlhf.localstack.stack.LocalStack;
import io.streamrlhf.localstack.stack.StackConfig;
import io.streamrlhf.producers.config.PopulationConfig;
import io.streamrlhf.producers.sampler.SamplerConfig;
import io.streamrlhf.producers.tasks.TaskGenerator;
import io.streamrlhf.producers.users.UserPanel;
import io.streamrlhf.producers.users.UserPopulation;
import io.streamrlhf.schemas.monitor.VersionStats;
import io.streamrlhf.schemas.registry.RestSchemaRegistryClient;
import io.streamrlhf.streams.app.StreamsApp;
import io.streamrlhf.trainer.batch.PairExample;
import io.streamrlhf.trainer.checkpoint.Checkpoint;
import io.streamrlhf.trainer.checkpoint.HfLayout;
import io.streamrlhf.trainer.checkpoint.LocalCheckpointStore;
import io.streamrlhf.trainer.config.TrainerConfig;
import io.streamrlhf.trainer.config.TrainerConfigFactory;
import io.streamrlhf.trainer.generate.LlamaGenerator;
import io.streamrlhf.trainer.model.GradMode;
import io.streamrlhf.trainer.model.PolicyModel;
import io.streamrlhf.trainer.model.PolicyWeights;
import io.streamrlhf.trainer.model.llama.LlamaModel;
import io.streamrlhf.trainer.model.llama.LoraAdapters;
import io.streamrlhf.trainer.publish.VersionExamples;
import io.streamrlhf.trainer.tokenizer.HfTokenizer;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.DoubleStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * The "learning must be real" experiment, headless: for each feedback mode (KTO only: users give thumbs;
 * DPO only: users give A/B choices) it starts the whole stack from nothing on a fresh data folder, lets the
 * policy learn online for a fixed time, and scores every published version with fresh rollouts on held-out
 * prompts rated by a held-out user panel. It then trains offline DPO on the same number of pairs sampled once
 * from version 0 and scores that too. Prints the curves, writes them as CSV and a PNG plot.
 *
 * <pre>
 * bench/run LearningCurveExperiment [MODES=kto,dpo] [MINUTES=10] [OUT_DIR=bench/results] [key=value ...]
 * </pre>
 * Trailing {@code key=value} arguments override settings of every run (for example
 * {@code trainer.optimizer.lr=5e-5}).
 */
public final class LearningCurveExperiment {

    /** One evaluated version. */
    record Point(
            String mode,
            long version,
            double minutes,
            long examples,
            double rate,
            double meanTokens,
            double endedShare,
            double endedMeanTokens) {}

    private static final int EVAL_PROMPTS = 96;
    private static final long EVAL_SEED = 4242;

    private final PrintStream out;
    private final double minutes;
    private final Map<String, String> overrides;

    LearningCurveExperiment(PrintStream out, double minutes, Map<String, String> overrides) {
        this.out = out;
        this.minutes = minutes;
        this.overrides = Map.copyOf(overrides);
    }

    public static void main(String[] args) throws Exception {
        List<String> modes = List.of((args.length > 0 ? args[0] : "kto,dpo").split(","));
        double minutes = args.length > 1 ? Double.parseDouble(args[1]) : 10;
        Path outDir = Path.of(args.length > 2 ? args[2] : "bench/results");
        TorchThreads.apply(Optional.of(Integer.getInteger("torch.threads", 1)));
        Files.createDirectories(outDir);
        Map<String, String> overrides = new LinkedHashMap<>();
        for (int i = 3; i < args.length; i++) {
            int eq = args[i].indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("Expected key=value, got '" + args[i] + "'");
            }
            overrides.put(
                    args[i].substring(0, eq).trim(), args[i].substring(eq + 1).trim());
        }
        if (!overrides.isEmpty()) {
            System.out.println("overrides: " + overrides);
        }
        LearningCurveExperiment experiment = new LearningCurveExperiment(System.out, minutes, overrides);
        Map<String, List<Point>> curves = new LinkedHashMap<>();
        Map<String, Double> baselines = new LinkedHashMap<>();
        for (String mode : modes) {
            curves.put(mode, experiment.runOnline(mode.trim().toLowerCase(Locale.ROOT), baselines));
        }
        experiment.report(curves, baselines, outDir);
        System.exit(0);
    }

    /** Settings of one run: the demo's defaults, plus the feedback mode. */
    static Map<String, String> modeSettings(String mode, Path dataDir) {
        Map<String, String> s = new HashMap<>();
        s.put("data.dir", dataDir.toString());
        s.put("kto.settle.delay", "0s");
        s.put("trainer.publish.every.steps", "10");
        s.put("streams.application.id", "streamrlhf-learning-" + mode);
        switch (mode) {
            case "kto" -> {
                s.put("users.preference.rate", "0");
                s.put("trainer.dpo.enabled", "false");
            }
            case "dpo" -> {
                s.put("users.thumbs.rate", "0");
                s.put("users.preference.rate", "1");
                s.put("trainer.kto.enabled", "false");
            }
            default -> throw new IllegalArgumentException("Unknown mode '" + mode + "': use kto or dpo");
        }
        return s;
    }

    List<Point> runOnline(String mode, Map<String, Double> baselines) throws Exception {
        Path dataDir = Files.createTempDirectory("streamrlhf-learning-" + mode + "-");
        Map<String, String> values = modeSettings(mode, dataDir);
        values.putAll(overrides);
        Settings settings = Settings.of(values);
        List<Point> points = new ArrayList<>();
        out.printf(
                Locale.ROOT,
                "%n== online %s: %s of training from a fresh stack in %s%n",
                mode.toUpperCase(Locale.ROOT),
                minutes + " min",
                dataDir);
        try (LocalStack stack = new LocalStack(StackConfig.from(settings.asMap())).start();
                RestSchemaRegistryClient registry = new RestSchemaRegistryClient(stack.registryUrl())) {
            Map<String, String> props = PipelineSettings.resolve(
                    DemoDefaults.apply(settings, dataDir), stack.bootstrapServers(), stack.registryUrl(), dataDir);
            WarmStartCorpus.ensure(props);
            DemoModel.ensure(props);
            TrainerConfig trainerConfig = TrainerConfigFactory.fromProperties(props);
            SamplerConfig samplerConfig = SamplerConfig.from(props);
            PopulationConfig population = PopulationConfig.fromProperties(props);
            HeldOutEvaluation evaluation = new HeldOutEvaluation(
                    new TaskGenerator(0.5, 20),
                    EVAL_PROMPTS,
                    EVAL_SEED,
                    UserPanel.heldOut(population, 25),
                    samplerConfig.sampling());
            LocalCheckpointStore store = new LocalCheckpointStore(trainerConfig.checkpointDir());
            try (Pipeline pipeline = new Pipeline(props, registry)
                            .start(EnumSet.of(
                                    Component.STREAMS,
                                    Component.TRAINER,
                                    Component.SAMPLER,
                                    Component.PROMPTS,
                                    Component.USERS));
                    KafkaConsumer<String, PolicyVersion> versions =
                            versionConsumer(stack.bootstrapServers(), pipeline)) {
                long start = -1;
                long examples = 0;
                long offsets = 0;
                PolicyVersion v0 = null;
                out.printf(
                        "%-5s %8s %9s %10s %7s %6s %9s  %s%n",
                        "ver", "minutes", "examples", "thumbs-up", "tokens", "ended", "ended-tok", "thumbs-up by task");
                while (start < 0 || System.nanoTime() - start < (long) (minutes * 60e9)) {
                    PolicyVersion latest = null;
                    for (ConsumerRecord<String, PolicyVersion> r : versions.poll(Duration.ofMillis(500))) {
                        // Records, not the width of the lineage's offset ranges: those also span the
                        // transaction markers of the exactly-once writers (see VersionExamples).
                        long counted = VersionExamples.consumed(r.value());
                        examples += counted >= 0 ? counted : VersionExamples.offsetsSpanned(r.value());
                        offsets += VersionExamples.offsetsSpanned(r.value());
                        latest = r.value();
                    }
                    if (latest == null) {
                        continue;
                    }
                    if (start < 0) {
                        start = System.nanoTime();
                        v0 = latest;
                    }
                    // Only the newest version is scored when several arrive together: scoring is not free.
                    double elapsed = (System.nanoTime() - start) / 60e9;
                    HeldOutEvaluation.Score score = score(store, latest, evaluation, trainerConfig);
                    points.add(new Point(
                            mode,
                            latest.getVersion(),
                            elapsed,
                            examples,
                            score.thumbsUpRate(),
                            score.meanTokens(),
                            score.endedShare(),
                            score.endedMeanTokens()));
                    StringBuilder tasks = new StringBuilder();
                    score.rateByTask()
                            .forEach(
                                    (task, r) -> tasks.append(String.format(Locale.ROOT, " %s %.1f%%", task, 100 * r)));
                    out.printf(
                            Locale.ROOT,
                            "v%-4d %8.2f %9d %9.1f%% %7.1f %5.0f%% %9.1f %s%s%n",
                            latest.getVersion(),
                            elapsed,
                            examples,
                            100 * score.thumbsUpRate(),
                            score.meanTokens(),
                            100 * score.endedShare(),
                            score.endedMeanTokens(),
                            tasks,
                            pipeline.trainer()
                                    .map(t -> FeedbackReport.trainerColumns(
                                            t.stats().lastStepMetrics(), mode))
                                    .orElse(""));
                }
                printFeedback(pipeline, examples, offsets);
                if ("dpo".equals(mode)) {
                    long laterFrom = points.stream()
                            .filter(p -> p.minutes() > 3)
                            .mapToLong(Point::version)
                            .findFirst()
                            .orElse(Long.MAX_VALUE);
                    pairLengths(stack.bootstrapServers(), pipeline).print(out, laterFrom);
                }
                if ("dpo".equals(mode) && v0 != null && trainerConfig.hfModel().isPresent()) {
                    out.println("(the offline DPO baseline trains the byte-level model only: skipped)");
                } else if ("dpo".equals(mode) && v0 != null) {
                    pipeline.close();
                    baselines.put(
                            "offline DPO, same " + examples + " pairs",
                            offlineDpo(
                                    store, v0, (int) examples, trainerConfig, population, samplerConfig, evaluation));
                }
            }
        } finally {
            deleteQuietly(dataDir);
        }
        return points;
    }

    /**
     * Where each version's rollouts went: judged groups, pairs by source, A/B ties, and the examples the trainer
     * consumed against what the monitor counted (see {@link FeedbackReport}).
     */
    private void printFeedback(Pipeline pipeline, long examples, long offsets) {
        out.println("feedback by version (rollouts; judge pass rate; judged groups with no passing rollout; pairs from"
                + " A/B choices and from judges; pairs per rollout; judged groups skipped as tied; pairs skipped as"
                + " identical):");
        try {
            pipeline.streams().map(StreamsApp::monitorQuery).ifPresent(q -> {
                List<VersionStats> versions = q.versions(0, System.currentTimeMillis() + 3_600_000L);
                FeedbackReport.printPairs(out, versions);
                FeedbackReport.printCounts(out, versions, examples, offsets);
            });
        } catch (RuntimeException e) {
            out.println("(monitor not readable: " + e + ")");
        }
        pipeline.users().ifPresent(u -> FeedbackReport.printComparisons(out, u.comparisons()));
    }

    /**
     * Every committed pair on the pairs topic so far, tallied by which way it pushes the answers' length (see
     * {@link PairLengths}). Reads up to the end offsets as they stand when it starts.
     */
    private static PairLengths pairLengths(String bootstrap, Pipeline pipeline) {
        PairLengths lengths = new PairLengths();
        try (KafkaConsumer<String, DpoPair> pairs =
                pipeline.topics().dpoPairs().replayingConsumer(bootstrap, Map.of())) {
            Map<TopicPartition, Long> end = pairs.endOffsets(pairs.assignment());
            long deadline = System.nanoTime() + 120_000_000_000L;
            while (end.entrySet().stream().anyMatch(e -> pairs.position(e.getKey()) < e.getValue())
                    && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, DpoPair> r : pairs.poll(Duration.ofMillis(500))) {
                    lengths.add(r.value());
                }
            }
        }
        return lengths;
    }

    private double offlineDpo(
            LocalCheckpointStore store,
            PolicyVersion v0,
            int pairs,
            TrainerConfig trainerConfig,
            PopulationConfig population,
            SamplerConfig samplerConfig,
            HeldOutEvaluation evaluation)
            throws IOException {
        out.printf(Locale.ROOT, "%n== offline DPO: %d pairs sampled once from v0, one pass%n", pairs);
        Checkpoint checkpoint = store.read(URI.create(v0.getCheckpointUri()), v0.getSha256());
        try (PolicyModel base = checkpoint.toPolicyModel()) {
            List<PairExample> dataset = OfflineDpoBaseline.dataset(
                    base,
                    pairs,
                    new TaskGenerator(0.5, 20),
                    UserPopulation.draw(population),
                    samplerConfig.sampling(),
                    99);
            try (PolicyModel trained = OfflineDpoBaseline.train(
                    checkpoint,
                    dataset,
                    trainerConfig.dpo(),
                    trainerConfig.optimizer(),
                    trainerConfig.referenceCacheEntries())) {
                HeldOutEvaluation.Score after = evaluation.score(trained);
                HeldOutEvaluation.Score before = evaluation.score(base);
                out.printf(
                        Locale.ROOT,
                        "offline DPO on %d pairs: thumbs-up %.1f%% (v0 %.1f%%), mean tokens %.1f"
                                + " (v0 %.1f), mean |weight change| %.2e%n",
                        dataset.size(),
                        100 * after.thumbsUpRate(),
                        100 * before.thumbsUpRate(),
                        after.meanTokens(),
                        before.meanTokens(),
                        meanAbsoluteChange(base, trained));
                return after.thumbsUpRate();
            }
        }
    }

    private static double meanAbsoluteChange(PolicyModel before, PolicyModel after) {
        double sum = 0;
        long count = 0;
        for (Map.Entry<String, ai.djl.ndarray.NDArray> e : before.parameters().entrySet()) {
            float[] a = e.getValue().toFloatArray();
            float[] b = after.parameters().get(e.getKey()).toFloatArray();
            for (int i = 0; i < a.length; i++) {
                sum += Math.abs(a[i] - b[i]);
            }
            count += a.length;
        }
        return sum / Math.max(1, count);
    }

    private static HeldOutEvaluation.Score score(
            LocalCheckpointStore store, PolicyVersion version, HeldOutEvaluation evaluation, TrainerConfig config)
            throws IOException {
        Checkpoint checkpoint = store.read(URI.create(version.getCheckpointUri()), version.getSha256());
        if (checkpoint.hf().isEmpty()) {
            try (PolicyModel model = checkpoint.toPolicyModel()) {
                return evaluation.score(model);
            }
        }
        // A Hugging Face version as the sampler serves it: the base directory with the version's adapters attached
        // (LoRA) or its whole weights loaded (full fine-tuning).
        HfLayout layout = checkpoint.hf().get();
        Path dir = config.hfModel()
                .orElseThrow(() -> new IOException("version " + version.getVersion()
                        + " is a Hugging Face model's but trainer.model.dir is unset"))
                .modelDir();
        try (NDManager root = NDManager.newBaseManager();
                HfTokenizer tokenizer = HfTokenizer.load(dir);
                GradMode.Scope off = GradMode.off()) {
            LlamaModel model = LlamaModel.load(dir, root);
            model.setTrainable(false);
            if (layout.lora().isPresent()) {
                model.attach(LoraAdapters.of(model, layout.lora().get(), checkpoint.weights()));
            } else {
                PolicyWeights.load(model.parameters(), checkpoint.weights());
            }
            return evaluation.score(new LlamaGenerator(model, tokenizer)::generate);
        }
    }

    /**
     * The gains over version 0, in points, of the versions published after minute {@code minute}: min, mean and max,
     * and how many reached +25 (the goal for the mean) and +15 (for every run).
     */
    static String gainAfter(List<Point> points, double minute) {
        double v0 = points.get(0).rate();
        double[] gains = points.stream()
                .filter(p -> p.minutes() > minute)
                .mapToDouble(p -> 100 * (p.rate() - v0))
                .toArray();
        if (gains.length == 0) {
            return String.format(Locale.ROOT, "after minute %.0f: no version", minute);
        }
        return String.format(
                Locale.ROOT,
                "after minute %.0f: gain over v0 (%.1f%%) min/mean/max %+.1f/%+.1f/%+.1f points over %d versions,"
                        + " %d at +25 or more, %d at +15 or more",
                minute,
                100 * v0,
                java.util.Arrays.stream(gains).min().orElseThrow(),
                java.util.Arrays.stream(gains).average().orElseThrow(),
                java.util.Arrays.stream(gains).max().orElseThrow(),
                gains.length,
                java.util.Arrays.stream(gains).filter(g -> g >= 25).count(),
                java.util.Arrays.stream(gains).filter(g -> g >= 15).count());
    }

    /**
     * The held-out answers' length in tokens, over all answers and over the ended ones only (the first also falls
     * when cut-off answers, each as long as the token limit, go away): version 0, the mean over the versions
     * published after minute {@code minute} with the lowest of them, and the last version.
     */
    static String lengthAfter(List<Point> points, double minute) {
        Point v0 = points.get(0);
        Point last = points.get(points.size() - 1);
        List<Point> later = points.stream().filter(p -> p.minutes() > minute).toList();
        String after = later.isEmpty()
                ? String.format(Locale.ROOT, "no version after minute %.0f", minute)
                : String.format(
                        Locale.ROOT,
                        "after minute %.0f mean %.1f/%.1f (lowest %.1f/%.1f)",
                        minute,
                        later.stream().mapToDouble(Point::meanTokens).average().orElseThrow(),
                        endedLengths(later).average().orElse(Double.NaN),
                        later.stream().mapToDouble(Point::meanTokens).min().orElseThrow(),
                        endedLengths(later).min().orElse(Double.NaN));
        return String.format(
                Locale.ROOT,
                "held-out length in tokens, all/ended answers: v%d %.1f/%.1f, %s, last v%d %.1f/%.1f",
                v0.version(),
                v0.meanTokens(),
                v0.endedMeanTokens(),
                after,
                last.version(),
                last.meanTokens(),
                last.endedMeanTokens());
    }

    /** The ended answers' mean lengths of {@code points}, leaving out versions none of whose answers ended. */
    private static DoubleStream endedLengths(List<Point> points) {
        return points.stream().mapToDouble(Point::endedMeanTokens).filter(t -> !Double.isNaN(t));
    }

    private static KafkaConsumer<String, PolicyVersion> versionConsumer(String bootstrap, Pipeline pipeline) {
        return pipeline.topics().policyVersions().replayingConsumer(bootstrap, Map.of());
    }

    void report(Map<String, List<Point>> curves, Map<String, Double> baselines, Path outDir) throws IOException {
        List<String> csv = new ArrayList<>(
                List.of("mode,version,minutes,examples,thumbs_up_rate,mean_tokens,ended_share,ended_mean_tokens"));
        Map<String, List<double[]>> plotted = new LinkedHashMap<>();
        out.printf("%n== summary%n");
        for (Map.Entry<String, List<Point>> curve : curves.entrySet()) {
            List<Point> points = curve.getValue();
            curve.getValue()
                    .forEach(p -> csv.add(String.format(
                            Locale.ROOT,
                            "%s,%d,%.3f,%d,%.4f,%.2f,%.4f,%.2f",
                            p.mode(),
                            p.version(),
                            p.minutes(),
                            p.examples(),
                            p.rate(),
                            p.meanTokens(),
                            p.endedShare(),
                            p.endedMeanTokens())));
            plotted.put(
                    "online " + curve.getKey().toUpperCase(Locale.ROOT),
                    points.stream()
                            .map(p -> new double[] {p.minutes(), p.rate()})
                            .toList());
            if (!points.isEmpty()) {
                Point first = points.get(0);
                Point best = points.stream()
                        .max(Comparator.comparingDouble(Point::rate))
                        .orElseThrow();
                Point last = points.get(points.size() - 1);
                out.printf(
                        Locale.ROOT,
                        "%s: v%d %.1f%% -> v%d %.1f%% after %.1f min (best v%d %.1f%%, %+.1f points)%n",
                        curve.getKey().toUpperCase(Locale.ROOT),
                        first.version(),
                        100 * first.rate(),
                        last.version(),
                        100 * last.rate(),
                        last.minutes(),
                        best.version(),
                        100 * best.rate(),
                        100 * (best.rate() - first.rate()));
                out.println(curve.getKey().toUpperCase(Locale.ROOT) + " " + gainAfter(points, 3));
                out.println(curve.getKey().toUpperCase(Locale.ROOT) + " " + lengthAfter(points, 3));
            }
        }
        baselines.forEach((name, rate) -> out.printf(Locale.ROOT, "%s: %.1f%%%n", name, 100 * rate));
        Files.write(outDir.resolve("learning-curve.csv"), csv);
        LearningCurvePlot.write(
                outDir.resolve("learning-curve.png"),
                "Thumbs-up rate of fresh rollouts (held-out users) per policy version",
                plotted,
                baselines,
                Math.max(1, minutes));
        out.println("wrote " + outDir.resolve("learning-curve.csv") + " and " + outDir.resolve("learning-curve.png"));
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // A temp folder left behind is harmless.
        }
    }
}
