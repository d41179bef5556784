package io.streamrlhf.app.pipeline;

import io.streamrlhf.app.dashboard.Dashboard;
import io.streamrlhf.app.dashboard.DashboardConfig;
import io.streamrlhf.app.dashboard.DashboardKeys;
import io.streamrlhf.producers.config.GatewayConfig;
import io.streamrlhf.producers.config.PromptSourceConfig;
import io.streamrlhf.producers.config.UsersConfig;
import io.streamrlhf.producers.gateway.IngestionGateway;
import io.streamrlhf.producers.sampler.PolicyFollower;
import io.streamrlhf.producers.sampler.RolloutSampler;
import io.streamrlhf.producers.sampler.SamplerConfig;
import io.streamrlhf.producers.sampler.VersionDeadLetters;
import io.streamrlhf.producers.tasks.PromptSource;
import io.streamrlhf.producers.users.SimulatedUsers;
import io.streamrlhf.schemas.registry.SchemaRegistryClient;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.Topics;
import io.streamrlhf.schemas.util.Backoff;
import io.streamrlhf.streams.app.StreamsApp;
import io.streamrlhf.streams.config.StreamsAppConfig;
import io.streamrlhf.streams.config.StreamsKeys;
import io.streamrlhf.trainer.checkpoint.LocalCheckpointStore;
import io.streamrlhf.trainer.config.TrainerConfig;
import io.streamrlhf.trainer.config.TrainerConfigFactory;
import io.streamrlhf.trainer.config.TrainerKeys;
import io.streamrlhf.trainer.loop.OnlineTrainer;
import io.streamrlhf.trainer.publish.PublishHooks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a chosen set of components against one Kafka cluster and schema registry, each on its own thread
 * where it has a loop, and stops them in reverse order. The local demo starts all of them; a production
 * deployment starts one per process ({@code streamrlhf trainer}, {@code streamrlhf streams}, ...).
 */
public final class Pipeline implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Pipeline.class);

    private final Map<String, String> props;
    private final SchemaRegistryClient registry;
    private final Topics topics;
    private final Deque<AutoCloseable> running = new ArrayDeque<>();
    private StreamsApp streams;
    private OnlineTrainer trainer;
    private RolloutSampler sampler;
    private Dashboard dashboard;
    private IngestionGateway gateway;
    private SimulatedUsers users;
    private PromptSource prompts;

    /**
     * @param props resolved settings (see {@link PipelineSettings#resolve})
     * @param registry the schema registry client every serde uses
     */
    public Pipeline(Map<String, String> props, SchemaRegistryClient registry) {
        this.props = Map.copyOf(props);
        this.registry = registry;
        this.topics = new Topics(TopicNames.fromProperties(props), registry);
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
        try {
            if (wanted.contains(Component.STREAMS)) {
                streams = new StreamsApp(StreamsAppConfig.fromProperties(props, registry));
                streams.start();
                running.push(streams);
            }
            if (wanted.contains(Component.TRAINER)) {
                TrainerConfig config = TrainerConfigFactory.fromProperties(props);
                trainer = new OnlineTrainer(config, topics, PublishHooks.NONE);
                startThread("trainer", trainer::run, trainer::stop, trainer);
            }
            if (wanted.contains(Component.SAMPLER)) {
                SamplerConfig config = SamplerConfig.from(props);
                LocalCheckpointStore store = new LocalCheckpointStore(
                        Path.of(TrainerKeys.CHECKPOINT_DIR.get(props)), TrainerKeys.CHECKPOINT_MAX_BYTES.get(props));
                VersionDeadLetters deadLetters = new VersionDeadLetters(
                        config.bootstrapServers(), config.kafkaOverrides(), topics.deadLetters());
                running.push(deadLetters);
                PolicyFollower follower = new PolicyFollower(
                        config.bootstrapServers(),
                        config.kafkaOverrides(),
                        topics.policyVersions(),
                        store,
                        config.modelId(),
                        new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10)),
                        TrainerConfigFactory.signer(props),
                        deadLetters);
                sampler = new RolloutSampler(config, topics, follower);
                startThread("policy-follower", follower, follower::close, follower);
                startThread("sampler", sampler, sampler::close, sampler);
            }
            if (wanted.contains(Component.PROMPTS)) {
                prompts = new PromptSource(PromptSourceConfig.fromProperties(props), registry).start();
                running.push(prompts);
            }
            if (wanted.contains(Component.USERS)) {
                users = new SimulatedUsers(UsersConfig.fromProperties(props), registry).start();
                running.push(users);
            }
            if (wanted.contains(Component.GATEWAY)) {
                gateway = new IngestionGateway(GatewayConfig.fromProperties(props), registry).start();
                running.push(gateway);
            }
            if (wanted.contains(Component.DASHBOARD)) {
                DashboardConfig config = DashboardConfig.from(props, registry);
                if (streams != null
                        && streams.monitorPort().isPresent()
                        && !props.containsKey(DashboardKeys.MONITOR_URL.name())) {
                    config = config.withMonitorUrl(URI.create("http://" + monitorHost() + ":"
                            + streams.monitorPort().get()));
                    if (config.monitorToken().isEmpty()) {
                        config = config.withMonitorToken(StreamsKeys.MONITOR_HTTP_TOKEN.ifSet(props));
                    }
                }
                dashboard = new Dashboard(config).start();
                running.push(dashboard);
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

    /** Runs {@code body} on its own thread; closing asks it to {@code stop}, joins it, then releases it. */
    private void startThread(String name, Runnable body, Runnable stop, AutoCloseable release) {
        Thread thread = new Thread(
                () -> {
                    try {
                        body.run();
                    } catch (RuntimeException e) {
                        log.error("Component {} failed", name, e);
                    }
                },
                "streamrlhf-" + name);
        thread.setDaemon(false);
        thread.start();
        running.push(() -> {
            stop.run();
            thread.join(Duration.ofSeconds(120).toMillis());
            release.close();
        });
    }

    public Topics topics() {
        return topics;
    }

    public Optional<StreamsApp> streams() {
        return Optional.ofNullable(streams);
    }

    public Optional<OnlineTrainer> trainer() {
        return Optional.ofNullable(trainer);
    }

    public Optional<RolloutSampler> sampler() {
        return Optional.ofNullable(sampler);
    }

    public Optional<Dashboard> dashboard() {
        return Optional.ofNullable(dashboard);
    }

    public Optional<IngestionGateway> gateway() {
        return Optional.ofNullable(gateway);
    }

    public Optional<SimulatedUsers> users() {
        return Optional.ofNullable(users);
    }

    @Override
    public void close() {
        while (!running.isEmpty()) {
            AutoCloseable component = running.pop();
            try {
                component.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (Exception e) {
                log.warn("Failed to stop a component", e);
            }
        }
    }
}
