package io.streamrlhf.bench.chaos;

import io.streamrlhf.bench.chaos.ChaosCluster.Target;
import io.streamrlhf.schemas.registry.RestSchemaRegistryClient;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.Topics;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One chaos run: starts the broker, the registry and the components as separate JVMs ({@link ChaosCluster}), drives
 * the known events through the gateway ({@link EventDriver}), and every {@code killInterval} kills one process with
 * SIGKILL and starts it again at once, as an orchestrator would: each component {@code killsPerComponent} times, the
 * broker and the registry once each, in an order drawn from the seed. A process that exits on its own (a supervisor
 * that gave up) is started again too, and counted. At the end it waits for every expected example and its
 * absorption into a committed version, and reads the topics ({@link ChaosCheck}).
 */
public final class ChaosRun implements AutoCloseable {

    private static final String MARKER = ".chaos-data";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration PROGRESS_TIMEOUT = Duration.ofSeconds(60);

    private final ChaosSettings settings;
    private final PrintStream out;
    private final List<Target> deck;
    private final ChaosCluster cluster;
    private final RestSchemaRegistryClient registry;
    private final ChaosCheck check;
    private final EventDriver driver;
    private final Set<Long> seenVersions = ConcurrentHashMap.newKeySet();
    private final Map<String, Integer> unplanned = new ConcurrentHashMap<>();
    private final List<ChaosReport.Disruption> disruptions = new CopyOnWriteArrayList<>();
    private final ScheduledExecutorService background = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "chaos-background");
        t.setDaemon(true);
        return t;
    });
    private final Thread killChildren;

    /**
     * @param settings the schedule and sizes
     * @param out where progress lines go
     */
    public ChaosRun(ChaosSettings settings, PrintStream out) {
        this.settings = settings;
        this.out = out;
        this.deck = deck(settings);
        this.cluster = new ChaosCluster(settings);
        this.registry = new RestSchemaRegistryClient(cluster.registryUrl());
        this.check = new ChaosCheck(cluster.bootstrapServers(), new Topics(TopicNames.defaults(), registry), "policy");
        this.driver = new EventDriver(
                cluster.gatewayUri(),
                ChaosCluster.API_KEY,
                settings.responses(),
                settings.votesPerResponse(),
                settings.eventsPerSecond());
        this.killChildren = new Thread(() -> killAll(cluster), "chaos-kill-children");
    }

    /** The system's load averages (1, 5, 15 minutes) and CPU count, as one line. */
    public static String loadAverage() {
        String load;
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            load = f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            load = String.format(
                    Locale.ROOT,
                    "%.2f",
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                            .getSystemLoadAverage());
        }
        return "load average " + load + " on " + Runtime.getRuntime().availableProcessors() + " CPUs";
    }

    /**
     * Runs everything as the program does: {@link #start}, {@link #runSchedule}, waits up to {@code drainTimeout}
     * for every accepted vote's example to be committed and absorbed by a committed version, and up to 90 s for the
     * sampler to serve the latest version, then reads the topics once more; stops every process before returning.
     */
    public ChaosReport run() throws Exception {
        try {
            start();
            runSchedule();
            ChaosCluster.await(cluster::allReady, READY_TIMEOUT);
            long drain = System.nanoTime();
            ChaosCluster.await(
                    () -> {
                        ChaosCheck.Result r = tryCheck();
                        return r != null
                                && r.examples().lost() == 0
                                && r.examples().notAbsorbed() == 0;
                    },
                    settings.drainTimeout());
            out.printf(Locale.ROOT, "  drained after %.1f s%n", secondsSince(drain));
            // Versions keep coming while the users rate rollouts: compare with the latest at each reading.
            // The reading that matched is the one reported: a later one may already hold a newer version.
            long[] served = {-1};
            ChaosCheck.Result[] reading = {null};
            ChaosCluster.await(
                    () -> {
                        served[0] = samplerVersion();
                        reading[0] = tryCheck();
                        return reading[0] != null
                                && served[0] >= 0
                                && served[0] == reading[0].versions().latest();
                    },
                    Duration.ofSeconds(90));
            return report(reading[0] != null ? reading[0] : check(), served[0]);
        } finally {
            close();
        }
    }

    /** Empties the data folder, starts every process and waits until each is ready. */
    public void start() throws IOException, InterruptedException {
        prepareDataDir(settings.dataDir());
        out.printf(
                Locale.ROOT,
                "chaos run %s, %s%n  data %s, broker 127.0.0.1:%d, registry :%d, gateway :%d%n"
                        + "  events at %.1f/s (a response, then %d votes on it) until one interval after the last of "
                        + "%d disruptions every %d s: %s%n",
                Instant.now(),
                loadAverage(),
                settings.dataDir(),
                settings.basePort(),
                settings.registryPort(),
                settings.gatewayPort(),
                settings.eventsPerSecond(),
                settings.votesPerResponse(),
                deck.size(),
                settings.killInterval().toSeconds(),
                deck.stream().map(Target::label).toList());
        out.flush();
        Runtime.getRuntime().addShutdownHook(killChildren);
        long setup = System.nanoTime();
        cluster.startAll(Duration.ofMinutes(5));
        out.printf(Locale.ROOT, "  every process ready after %.1f s%n", secondsSince(setup));
        out.flush();
        background.scheduleWithFixedDelay(
                () -> {
                    try {
                        seenVersions.addAll(check.versionNumbers());
                    } catch (RuntimeException e) {
                        // the broker or the registry is being restarted: read again next time
                    }
                },
                5,
                5,
                TimeUnit.SECONDS);
        background.scheduleWithFixedDelay(
                () -> {
                    for (Target t : Target.values()) {
                        if (cluster.process(t).restartIfExitedOnItsOwn()) {
                            unplanned.merge(t.label(), 1, Integer::sum);
                            out.printf(Locale.ROOT, "  %s exited on its own; started again%n", t.label());
                        }
                    }
                },
                1,
                1,
                TimeUnit.SECONDS);
    }

    /**
     * Drives events and works through the disruptions, one every {@code killInterval} (later when a recovery took
     * longer); stops the driver one interval after the last.
     */
    public List<ChaosReport.Disruption> runSchedule() throws InterruptedException {
        try (ProgressTail tail = new ProgressTail(
                cluster.bootstrapServers(),
                TopicNames.defaults().ktoExamples(),
                TopicNames.defaults().policyVersions())) {
            Thread driving = new Thread(driver, "chaos-driver");
            long start = System.nanoTime();
            driving.start();
            long due = start + settings.killInterval().toNanos();
            for (Target t : deck) {
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    TimeUnit.NANOSECONDS.sleep(wait);
                }
                ChaosReport.Disruption d = disrupt(tail, t, start);
                disruptions.add(d);
                out.printf(
                        Locale.ROOT,
                        "  +%5.1f s SIGKILL %-8s ready again after %s, next %s after %s%n",
                        d.atSeconds(),
                        t.label(),
                        ChaosReport.seconds(d.readySeconds()),
                        t == Target.TRAINER ? "version" : "example",
                        ChaosReport.seconds(d.progressSeconds()));
                out.flush();
                due = Math.max(due + settings.killInterval().toNanos(), System.nanoTime() + 2_000_000_000L);
            }
            // Events keep coming for one more interval, so that the last recovery is seen carrying load.
            driving.join(settings.killInterval().toMillis());
            driver.stop();
            // The event in flight is retried until answered; a gateway that never answers again is a failure the
            // report shows (offered but not accepted).
            driving.join(READY_TIMEOUT.toMillis());
            driver.abort();
            driving.join();
            out.printf(
                    Locale.ROOT,
                    "  driver stopped after %.1f s, %d events offered%n",
                    secondsSince(start),
                    driver.offered());
            out.flush();
        }
        return List.copyOf(disruptions);
    }

    /** One reading of the topics against the votes the gateway accepted so far. */
    public ChaosCheck.Result check() {
        return check.check(driver.acceptedVotes(), seenVersions);
    }

    private ChaosCheck.Result tryCheck() {
        try {
            return check();
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** The version the sampler serves now ({@code streamrlhf_sampler_version}), -1 if it answers none. */
    public long samplerVersion() {
        return cluster.metric(Target.SAMPLER, "streamrlhf_sampler_version")
                .map(Double::longValue)
                .orElse(-1L);
    }

    /** Whether every process answers ready now. */
    public boolean allReady() {
        return cluster.allReady();
    }

    /** The figures of the run with {@code result} and the sampler's version. */
    public ChaosReport report(ChaosCheck.Result result, long samplerVersion) {
        return new ChaosReport(
                driver.offered(),
                driver.accepted(),
                driver.refused(),
                driver.attempts(),
                driver.statuses(),
                driver.unreachable(),
                result,
                samplerVersion,
                List.copyOf(disruptions),
                Map.copyOf(unplanned),
                15.0);
    }

    /** Stops the driver and every process (SIGTERM, then SIGKILL for any that does not stop). */
    @Override
    public void close() {
        driver.abort();
        background.shutdownNow();
        try {
            // A reading of the versions in flight must end before the broker stops, or its consumer waits to close.
            background.awaitTermination(30, TimeUnit.SECONDS);
            cluster.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            killAll(cluster);
        } finally {
            registry.close();
            try {
                Runtime.getRuntime().removeShutdownHook(killChildren);
            } catch (IllegalStateException | IllegalArgumentException e) {
                // shutting down already, or never added
            }
        }
    }

    /** Each component {@code killsPerComponent} times, the broker and the registry once, shuffled by the seed. */
    static List<Target> deck(ChaosSettings settings) {
        List<Target> deck = new ArrayList<>();
        for (int i = 0; i < settings.killsPerComponent(); i++) {
            deck.addAll(List.of(Target.STREAMS, Target.TRAINER, Target.SAMPLER, Target.GATEWAY));
        }
        if (settings.restartBroker()) {
            deck.add(Target.BROKER);
        }
        if (settings.restartRegistry()) {
            deck.add(Target.REGISTRY);
        }
        Collections.shuffle(deck, new Random(settings.seed()));
        return deck;
    }

    /**
     * SIGKILLs {@code t}, starts it again at once, and times it: to ready (a component: its own {@code /health/ready};
     * the broker or the registry: it and every other process ready), and to the first KTO example (the trainer: the
     * first version) committed after it was ready.
     */
    private ChaosReport.Disruption disrupt(ProgressTail tail, Target t, long runStart) throws InterruptedException {
        long t0 = System.nanoTime();
        ChildJvm process = cluster.process(t);
        process.kill();
        process.start();
        boolean ready = ChaosCluster.await(
                () -> t.isComponent() ? cluster.ready(t) : cluster.ready(t) && cluster.allReady(), READY_TIMEOUT);
        long readyAt = System.nanoTime();
        OptionalLong[] next = {OptionalLong.empty()};
        ChaosCluster.await(
                () -> {
                    next[0] = t == Target.TRAINER ? tail.firstVersionAfter(readyAt) : tail.firstExampleAfter(readyAt);
                    return next[0].isPresent();
                },
                PROGRESS_TIMEOUT);
        return new ChaosReport.Disruption(
                t.label(),
                (t0 - runStart) / 1e9,
                ready ? (readyAt - t0) / 1e9 : Double.NaN,
                next[0].isPresent() ? (next[0].getAsLong() - t0) / 1e9 : Double.NaN);
    }

    private static void killAll(ChaosCluster cluster) {
        for (Target t : Target.values()) {
            try {
                cluster.process(t).kill();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                // best effort on the way out
            }
        }
    }

    private static double secondsSince(long nanos) {
        return (System.nanoTime() - nanos) / 1e9;
    }

    /** Empties {@code dir} if it is a previous run's (it holds the marker) or empty; refuses anything else. */
    private static void prepareDataDir(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            boolean empty;
            try (Stream<Path> s = Files.list(dir)) {
                empty = s.findAny().isEmpty();
            }
            if (!empty && !Files.exists(dir.resolve(MARKER))) {
                throw new IllegalArgumentException(dir + " is neither empty nor a previous chaos run's data folder");
            }
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    if (!p.equals(dir)) {
                        Files.delete(p);
                    }
                }
            }
        }
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(MARKER), "data of one chaos run; deleted by the next\n");
    }
}
