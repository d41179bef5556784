package io.streamrlhf.app.pipeline;

import io.micrometer.core.instrument.FunctionCounter;
import io.streamrlhf.app.config.AppKeys;
import io.streamrlhf.app.dashboard.Dashboard;
import io.streamrlhf.app.dashboard.DashboardConfig;
import io.streamrlhf.app.dashboard.DashboardKeys;
import io.streamrlhf.app.ops.OpsServer;
import io.streamrlhf.app.ops.ProcessMetrics;
import io.streamrlhf.app.ops.RestartPolicy;
import io.streamrlhf.app.ops.Supervised;
import io.streamrlhf.app.ops.Supervisor;
import io.streamrlhf.config.ClusterSettings;
import io.streamrlhf.producers.config.GatewayConfig;
import io.streamrlhf.producers.config.KafkaConnection;
import io.streamrlhf.producers.config.ProducerKeys;
import io.streamrlhf.producers.config.PromptSourceConfig;
import io.streamrlhf.producers.config.UsersConfig;
import io.streamrlhf.producers.erasure.ErasureReporter;
import io.streamrlhf.producers.erasure.ErasureReporterConfig;
import io.streamrlhf.producers.gateway.IngestionGateway;
import io.streamrlhf.producers.routing.DecisionFollower;
import io.streamrlhf.producers.routing.PolicyRouter;
import io.streamrlhf.producers.routing.RoutingTable;
import io.streamrlhf.producers.sampler.PolicyFollower;
import io.streamrlhf.producers.sampler.RolloutSampler;
import io.streamrlhf.producers.sampler.SamplerConfig;
import io.streamrlhf.producers.sampler.VersionDeadLetters;
import io.streamrlhf.producers.sampler.VersionLoader;
import io.streamrlhf.producers.tasks.PromptSource;
import io.streamrlhf.producers.users.SimulatedUsers;
import io.streamrlhf.schemas.registry.RestSchemaRegistryClient;
import io.streamrlhf.schemas.registry.SchemaRegistryClient;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.Topics;
import io.streamrlhf.schemas.util.Backoff;
import io.streamrlhf.streams.app.StreamsApp;
import io.streamrlhf.streams.config.StreamsAppConfig;
import io.streamrlhf.streams.config.StreamsKeys;
import io.streamrlhf.trainer.canary.GateEvaluator;
import io.streamrlhf.trainer.checkpoint.CheckpointStore;
import io.streamrlhf.trainer.config.TrainerConfig;
import io.streamrlhf.trainer.config.TrainerConfigFactory;
import io.streamrlhf.trainer.config.TrainerKeys;
import io.streamrlhf.trainer.loop.OnlineTrainer;
import io.streamrlhf.trainer.publish.PublishHooks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a chosen set of components against one Kafka cluster and schema registry and stops them in reverse
 * order. The local demo starts all of them; a production deployment starts one per process
 * ({@code streamrlhf run trainer}, {@code streamrlhf run streams}, ...).
 *
 * <p>Each component runs under a {@link Supervisor}: a failure (Kafka Streams in ERROR, the trainer's loop ending
 * with an exception or fenced, the sampler's thread dying, a failure to start) closes it and starts a fresh one
 * after a bounded exponential backoff ({@code supervisor.*}); after {@code supervisor.max.failures} consecutive
 * failures the {@link Supervisor.GiveUp} handler runs, which in {@code run} and {@code demo} exits the process
 * with status {@value #EXIT_GAVE_UP}. With {@code ops.port} at 0 or more, an {@link OpsServer} serves
 * {@code /health/live}, {@code /health/ready} and {@code /metrics} for every component started here.
 */
public final class Pipeline implements AutoCloseable {

    /** Exit status of a process whose supervisor gave up on a component (EX_SOFTWARE). */
    public static final int EXIT_GAVE_UP = 70;

    private static final Logger log = LoggerFactory.getLogger(Pipeline.class);

    private final Map<String, String> props;
    private final SchemaRegistryClient registry;
    private final Topics topics;
    private final RestartPolicy restartPolicy;
    private final ProcessMetrics metrics = new ProcessMetrics();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "streamrlhf-supervisor");
        t.setDaemon(true);
        return t;
    });
    private final List<Supervisor> supervisors = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile Set<Component> expected = Set.of();
    /** Resources every incarnation of a component shares, closed after the supervisors. */
    private final List<AutoCloseable> shared = new ArrayList<>();

    private final Map<String, RestSchemaRegistryClient> ownRegistries = new java.util.HashMap<>();

    private final Map<String, CanaryRoutes> canaryRoutes = new java.util.HashMap<>();

    private Supervisor.GiveUp giveUp = (component, failures, cause) -> {};
    private StreamsApp streams;
    private Supervisor trainer;
    private Supervisor sampler;
    private Supervisor dashboard;
    private Supervisor gateway;
    private Supervisor users;
    private OpsServer ops;
    /** What the gateway and the dashboard counted at the last scrape; the meters read these. */
    private volatile Map<Integer, Long> gatewayAnswers = Map.of();

    private volatile Map<List<String>, Long> deadLetterCounts = Map.of();

    /**
     * @param props resolved settings (see {@link PipelineSettings#resolve})
     * @param registry the schema registry client every serde uses
     */
    public Pipeline(Map<String, String> props, SchemaRegistryClient registry) {
        this.props = Map.copyOf(props);
        this.registry = registry;
        this.topics = new Topics(TopicNames.fromProperties(props), registry);
        this.restartPolicy = RestartPolicy.from(this.props);
    }

    /**
     * Sets what happens when a supervisor gives up on a component (before {@link #start}); by default the
     * component only stays down and {@code /health/live} answers 503.
     */
    public Pipeline onGiveUp(Supervisor.GiveUp handler) {
        this.giveUp = handler;
        return this;
    }

    /**
     * The canary router of one component (its own follower of the decisions topic with that component's Kafka
     * settings, made once and closed with the pipeline, so a restarted incarnation keeps it), or empty when the
     * canary controller is off ({@code canary.enabled=false}).
     */
    private synchronized Optional<CanaryRoutes> canaryRoutes(
            String component, String bootstrapServers, Map<String, ?> overrides) {
        if (!StreamsKeys.CANARY_ENABLED.get(props)) {
            return Optional.empty();
        }
        return Optional.of(canaryRoutes.computeIfAbsent(component, c -> {
            RoutingTable routes = new RoutingTable();
            DecisionFollower follower = new DecisionFollower(
                            bootstrapServers, overrides, topics.policyDecisions(), routes)
                    .start(c + "-canary-routes");
            shared.add(follower);
            return new CanaryRoutes(new PolicyRouter(routes, ProducerKeys.CANARY_SHARE.get(props)), follower);
        }));
    }

    /**
     * The registry client of one component: its own, made once, when the settings give it its own registry
     * credentials ({@code <component>.schema.registry.basic.auth.user.info}), else the shared one; so each
     * component that shares this JVM registers (or only reads) schemas as itself.
     */
    private synchronized SchemaRegistryClient registryFor(String component) {
        if (!ClusterSettings.hasOwnRegistrySettings(props, component)) {
            return registry;
        }
        return ownRegistries.computeIfAbsent(component, c -> {
            RestSchemaRegistryClient client = new RestSchemaRegistryClient(
                    RestSchemaRegistryClient.Config.fromSettings(ClusterSettings.forComponent(props, c)));
            return client;
        });
    }

    /** The topic descriptors of one component, whose serdes use {@link #registryFor its registry client}. */
    private Topics topicsFor(String component) {
        SchemaRegistryClient own = registryFor(component);
        return own == registry ? topics : new Topics(TopicNames.fromProperties(props), own);
    }

    /** A component's router and the follower that feeds it. */
    private record CanaryRoutes(PolicyRouter router, DecisionFollower follower) {}

    /** The gateway, serving {@code GET /v1/policy} when canaries are on. */
    private IngestionGateway withPolicyRoutes(IngestionGateway gateway, GatewayConfig config) {
        KafkaConnection connection = config.client().connection();
        return canaryRoutes("gateway", connection.bootstrapServers(), connection.clientOverrides())
                .map(r ->
                        gateway.servePolicyRoutes(r.router(), TrainerKeys.MODEL_ID.get(props), r.follower()::caughtUp))
                .orElse(gateway);
    }

    /** A give-up handler that exits the process with {@link #EXIT_GAVE_UP}, for {@code run} and {@code demo}. */
    public static Supervisor.GiveUp exitProcess() {
        // On its own thread: System.exit runs the shutdown hooks, which close this pipeline and its scheduler.
        return (component, failures, cause) -> new Thread(() -> System.exit(EXIT_GAVE_UP), "streamrlhf-exit").start();
    }

    /** Where this process's own monitor is reached: its bind address, or loopback when it binds every address. */
    private String monitorHost() {
        String bind = StreamsKeys.MONITOR_HTTP_BIND_ADDRESS.get(props);
        if (bind.equals("0.0.0.0") || bind.equals("::") || bind.equals("[::]")) {
            return "127.0.0.1";
        }
        return bind.contains(":") && !bind.startsWith("[") ? "[" + bind + "]" : bind;
    }

    /** Starts {@code components} in dependency order; on failure stops what had started and rethrows. */
    public Pipeline start(Set<Component> components) {
        EnumSet<Component> wanted = EnumSet.copyOf(components);
        expect(wanted);
        try {
            int opsPort = AppKeys.OPS_PORT.get(props);
            if (opsPort >= 0) {
                ops = new OpsServer(AppKeys.OPS_BIND.get(props), opsPort, this::reports, metrics::scrape);
            }
            if (wanted.contains(Component.STREAMS)) {
                streams = new StreamsApp(StreamsAppConfig.fromProperties(props, registryFor("streams")));
                supervise(Component.STREAMS, () -> new StreamsIncarnation(streams, metrics));
            }
            if (wanted.contains(Component.TRAINER)) {
                TrainerConfig config = TrainerConfigFactory.fromProperties(props);
                TrainerMeters meters = new TrainerMeters(config, metrics.registry());
                GateEvaluator gate =
                        config.gate().map(g -> HeldOutGate.create(g, props)).orElse(null);
                Topics trainerTopics = topicsFor("trainer");
                trainer = supervise(
                        Component.TRAINER,
                        () -> new TrainerIncarnation(
                                new OnlineTrainer(config, trainerTopics, PublishHooks.NONE, gate), meters, metrics));
            }
            if (wanted.contains(Component.SAMPLER)) {
                SamplerConfig config = SamplerConfig.from(props);
                Topics samplerTopics = topicsFor("sampler");
                CheckpointStore store = TrainerConfigFactory.openCheckpointStore(
                        props, samplerTopics, config.bootstrapServers(), "sampler");
                // One dead-letter producer for every incarnation of the sampler: closed with the pipeline.
                VersionDeadLetters deadLetters = new VersionDeadLetters(
                        config.bootstrapServers(), config.kafkaOverrides(), samplerTopics.deadLetters());
                shared.add(deadLetters);
                // A Hugging Face base is loaded once and outlives the sampler's incarnations; versions add adapters.
                Optional<String> modelDir = TrainerKeys.MODEL_DIR.find(props);
                VersionLoader loader = modelDir.isPresent()
                        ? VersionLoader.huggingFace(Path.of(modelDir.get()))
                        : VersionLoader.byteLevel();
                shared.add(loader);
                SamplerMeters meters = new SamplerMeters(metrics.registry());
                sampler = supervise(Component.SAMPLER, () -> {
                    PolicyFollower follower = new PolicyFollower(
                            config.bootstrapServers(),
                            config.kafkaOverrides(),
                            samplerTopics.policyVersions(),
                            store,
                            config.modelId(),
                            new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10)),
                            TrainerConfigFactory.signer(props),
                            deadLetters,
                            loader);
                    try {
                        return new SamplerIncarnation(
                                follower,
                                new RolloutSampler(
                                        config,
                                        samplerTopics,
                                        follower,
                                        canaryRoutes("sampler", config.bootstrapServers(), config.kafkaOverrides())
                                                .map(CanaryRoutes::router)
                                                .orElse(null)),
                                meters,
                                metrics);
                    } catch (RuntimeException e) {
                        follower.close();
                        throw e;
                    }
                });
            }
            if (wanted.contains(Component.PROMPTS)) {
                PromptSourceConfig config = PromptSourceConfig.fromProperties(props);
                supervise(
                        Component.PROMPTS,
                        () -> new ServiceIncarnation<>(
                                () -> new PromptSource(config, registryFor("prompts")),
                                PromptSource::start,
                                PromptSource::failure));
            }
            if (wanted.contains(Component.USERS)) {
                UsersConfig config = UsersConfig.fromProperties(props);
                users = supervise(
                        Component.USERS,
                        () -> new ServiceIncarnation<>(
                                () -> new SimulatedUsers(config, registryFor("users"))
                                        .degrading(ProducerKeys.USERS_DEGRADE_VERSION.get(props)),
                                SimulatedUsers::start,
                                SimulatedUsers::failure));
            }
            if (wanted.contains(Component.GATEWAY)) {
                GatewayConfig config = GatewayConfig.fromProperties(props);
                gateway = supervise(
                        Component.GATEWAY,
                        () -> new ServiceIncarnation<>(
                                () -> withPolicyRoutes(new IngestionGateway(config, registryFor("gateway")), config),
                                IngestionGateway::start,
                                IngestionGateway::failure));
                metrics.beforeScrape(this::registerGatewayStatuses);
                gatewayCounter(
                        "streamrlhf.gateway.slow.clients.closed",
                        "connections the gateway closed because the request did not arrive within "
                                + "gateway.request.timeout",
                        IngestionGateway::slowRequestsClosed);
                gatewayCounter(
                        "streamrlhf.gateway.connections.refused",
                        "connections closed at once because gateway.max.connections requests were being served",
                        IngestionGateway::connectionsRefused);
                gatewayCounter(
                        "streamrlhf.gateway.requests.timed.out",
                        "writes Kafka did not acknowledge within the gateway's acknowledgement timeout (answered 503)",
                        IngestionGateway::ackTimeouts);
            }
            if (wanted.contains(Component.DASHBOARD)) {
                DashboardConfig base = DashboardConfig.from(props, registryFor("dashboard"));
                if (streams != null
                        && streams.monitorPort().isPresent()
                        && !props.containsKey(DashboardKeys.MONITOR_URL.name())) {
                    base = base.withMonitorUrl(URI.create("http://" + monitorHost() + ":"
                            + streams.monitorPort().get()));
                    if (base.monitorToken().isEmpty()) {
                        base = base.withMonitorToken(StreamsKeys.MONITOR_HTTP_TOKEN.ifSet(props));
                    }
                }
                DashboardConfig config = base;
                dashboard = supervise(
                        Component.DASHBOARD,
                        () -> new ServiceIncarnation<>(
                                () -> new Dashboard(config).withCanaryShare(ProducerKeys.CANARY_SHARE.get(props)),
                                Dashboard::start,
                                Dashboard::failure));
                metrics.beforeScrape(this::registerDeadLetterReasons);
            }
            if (wanted.contains(Component.ERASURES)) {
                ErasureReporterConfig config = ErasureReporterConfig.fromProperties(props);
                supervise(
                        Component.ERASURES,
                        () -> new ErasureReporterIncarnation(new ErasureReporter(config, registry)));
            }
            // Waited for last: the other components talk to Streams only through topics (created by start), so they
            // start while its group rebalances and its state restores, which is most of a restart.
            if (streams != null && !streams.awaitRunning(Duration.ofSeconds(120))) {
                throw new IllegalStateException(
                        "Kafka Streams did not reach RUNNING within 120 s (state " + streams.state() + ")");
            }
            return this;
        } catch (IOException e) {
            close();
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException("Interrupted while starting the pipeline", e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private Supervisor supervise(Component component, Supplier<? extends Supervised> factory) {
        Supervisor supervisor = new Supervisor(
                component.name().toLowerCase(java.util.Locale.ROOT),
                factory,
                restartPolicy,
                Clock.systemUTC(),
                scheduler,
                giveUp);
        supervisors.add(supervisor);
        metrics.supervise(supervisor);
        supervisor.start();
        return supervisor;
    }

    /** A counter read from the running gateway incarnation (a restarted one starts again from 0). */
    private void gatewayCounter(
            String name, String description, java.util.function.ToLongFunction<IngestionGateway> count) {
        FunctionCounter.builder(
                        name, this, p -> p.gateway().map(count::applyAsLong).orElse(0L))
                .description(description)
                .register(metrics.registry());
    }

    /** Gateway answers per HTTP status, read once per scrape; a meter is registered as each status appears. */
    private void registerGatewayStatuses() {
        Map<Integer, Long> answered =
                gateway().map(IngestionGateway::answeredByStatus).orElse(Map.of());
        gatewayAnswers = answered;
        answered.keySet()
                .forEach(status -> FunctionCounter.builder(
                                "streamrlhf.gateway.requests", this, p -> p.gatewayAnswers.getOrDefault(status, 0L))
                        .description("requests the gateway answered, per HTTP status")
                        .tag("status", Integer.toString(status))
                        .register(metrics.registry()));
    }

    /** Dead letters per input topic and reason, as the dashboard reads them from the dead-letter topic. */
    private void registerDeadLetterReasons() {
        Map<List<String>, Long> counts = new java.util.HashMap<>();
        dashboard()
                .ifPresent(d -> d.snapshot()
                        .deadLetters()
                        .byReason()
                        .forEach(r -> counts.merge(List.of(r.topic(), r.errorClass()), r.count(), Long::sum)));
        deadLetterCounts = counts;
        counts.keySet()
                .forEach(key -> FunctionCounter.builder(
                                "streamrlhf.dead.letters", this, p -> p.deadLetterCounts.getOrDefault(key, 0L))
                        .description("dead letters seen on the dead-letter topic, per input topic and reason")
                        .tag("topic", key.get(0))
                        .tag("reason", key.get(1))
                        .register(metrics.registry()));
    }

    /** Every supervised component's report, in start order. */
    public List<Supervisor.Report> reports() {
        List<Supervisor.Report> reports = new ArrayList<>();
        supervisors.forEach(s -> reports.add(s.report()));
        // The health server answers from the start, while the components are still being set up one after another.
        // A component not supervised yet is STARTING: left out, an empty or partial list would read as "every
        // component ready" (an orchestrator then routes to, or a chaos run times, a process that serves nothing).
        for (Component c : expected) {
            String name = c.name().toLowerCase(java.util.Locale.ROOT);
            if (reports.stream().noneMatch(r -> r.component().equals(name))) {
                reports.add(new Supervisor.Report(name, Supervisor.Status.STARTING, null, 0, 0, ""));
            }
        }
        return List.copyOf(reports);
    }

    /** The components {@link #start} is about to set up: reported STARTING until each is supervised. */
    void expect(Set<Component> components) {
        expected = EnumSet.copyOf(components);
    }

    /** The process's meters. */
    public ProcessMetrics metrics() {
        return metrics;
    }

    /** The port of the health and metrics server, when it runs. */
    public Optional<Integer> opsPort() {
        return Optional.ofNullable(ops).map(OpsServer::port);
    }

    public Topics topics() {
        return topics;
    }

    public Optional<StreamsApp> streams() {
        return Optional.ofNullable(streams);
    }

    /** The running trainer incarnation, if one runs now. */
    public Optional<OnlineTrainer> trainer() {
        return current(trainer, TrainerIncarnation.class).map(TrainerIncarnation::trainer);
    }

    /** The running sampler incarnation, if one runs now. */
    public Optional<RolloutSampler> sampler() {
        return current(sampler, SamplerIncarnation.class).map(SamplerIncarnation::sampler);
    }

    public Optional<Dashboard> dashboard() {
        return service(dashboard, Dashboard.class);
    }

    public Optional<IngestionGateway> gateway() {
        return service(gateway, IngestionGateway.class);
    }

    public Optional<SimulatedUsers> users() {
        return service(users, SimulatedUsers.class);
    }

    private static <T> Optional<T> current(Supervisor supervisor, Class<T> type) {
        return Optional.ofNullable(supervisor)
                .map(Supervisor::current)
                .filter(type::isInstance)
                .map(type::cast);
    }

    private static <T> Optional<T> service(Supervisor supervisor, Class<T> type) {
        return current(supervisor, ServiceIncarnation.class)
                .map(ServiceIncarnation::component)
                .filter(type::isInstance)
                .map(type::cast);
    }

    @Override
    public void close() {
        for (int i = supervisors.size() - 1; i >= 0; i--) {
            supervisors.get(i).close();
        }
        for (AutoCloseable resource : shared) {
            try {
                resource.close();
            } catch (Exception e) {
                log.warn("Could not close {}", resource, e);
            }
        }
        shared.clear();
        // Not awaited: a give-up exits the process from the scheduler, and the shutdown hook lands here.
        scheduler.shutdownNow();
        if (streams != null) {
            streams.close();
        }
        // After Streams: its serdes may still use their registry client while it closes.
        ownRegistries.values().forEach(client -> {
            try {
                client.close();
            } catch (Exception e) {
                log.warn("Could not close {}", client, e);
            }
        });
        ownRegistries.clear();
        if (ops != null) {
            ops.close();
            ops = null;
        }
        metrics.close();
    }
}
