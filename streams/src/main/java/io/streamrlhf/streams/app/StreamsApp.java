package io.streamrlhf.streams.app;

import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.Topics;
import io.streamrlhf.streams.avro.VersionMinuteStats;
import io.streamrlhf.streams.common.StreamSerdes;
import io.streamrlhf.streams.config.MonitorConfig;
import io.streamrlhf.streams.config.StreamsAppConfig;
import io.streamrlhf.streams.deadletter.DeadLetterProcessingExceptionHandler;
import io.streamrlhf.streams.deadletter.SinkProductionExceptionHandler;
import io.streamrlhf.streams.monitor.MonitorHttpServer;
import io.streamrlhf.streams.monitor.MonitorQuery;
import io.streamrlhf.streams.monitor.MonitorTopology;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.GroupProtocol;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.processor.UsePartitionTimeOnInvalidTimestamp;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The streams application: creates missing topics, builds {@link StreamRlhfTopology}, runs it in one
 * {@link KafkaStreams} instance with {@code exactly_once_v2}, and serves the monitor over HTTP. The {@code app}
 * module calls {@link #start()}, {@link #awaitRunning} and {@link #close()}.
 */
public final class StreamsApp implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StreamsApp.class);

    private final StreamsAppConfig config;
    private final StreamSerdes serdes;
    private final Topology topology;
    private final CountDownLatch running = new CountDownLatch(1);
    private volatile KafkaStreams streams;
    /** The client being stopped on request, whose NOT_RUNNING is no failure. */
    private volatile KafkaStreams stopping;

    private MonitorHttpServer http;

    public StreamsApp(StreamsAppConfig config) {
        this.config = config;
        this.serdes = new StreamSerdes(
                new Topics(config.topicNames(), config.registry()), config.registry(), config.stateStoreType());
        this.topology = new StreamRlhfTopology(config.settings(), serdes).build();
    }

    /** The Kafka Streams properties, built here at the Kafka boundary. */
    public static Properties streamsProperties(StreamsAppConfig config) {
        Properties p = new Properties();
        // kafka.* / streams.kafka.* first, so that the settings this application depends on cannot be overridden.
        p.putAll(config.kafkaOverrides());
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toString());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.threads());
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, config.commitInterval().toMillis());
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, config.replicationFactor());
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        p.put(StreamsConfig.producerPrefix(ProducerConfig.LINGER_MS_CONFIG), (int)
                config.producerLinger().toMillis());
        p.put(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), config.producerBatchSize());
        p.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterProcessingExceptionHandler.class);
        p.put(DeadLetterProcessingExceptionHandler.REGISTRY_CONFIG, config.registry());
        p.put(
                DeadLetterProcessingExceptionHandler.TOPIC_CONFIG,
                config.topicNames().deadLetters());
        p.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, SinkProductionExceptionHandler.class);
        p.put(SinkProductionExceptionHandler.SINK_TOPICS_CONFIG, sinkTopics(config));
        // A record without a valid timestamp must not stop the application: it takes its partition's time.
        p.put(StreamsConfig.DEFAULT_TIMESTAMP_EXTRACTOR_CLASS_CONFIG, UsePartitionTimeOnInvalidTimestamp.class);
        // A restart must not wait for the previous incarnation's member to time out: static membership lets a
        // restarted instance (also after kill -9) take its tasks back at once; close() leaves the group for a clean
        // stop (see close).
        if (!config.instanceId().isEmpty()) {
            p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), config.instanceId());
        }
        p.put(StreamsConfig.GROUP_PROTOCOL_CONFIG, config.groupProtocol().name().toLowerCase(Locale.ROOT));
        if (config.groupProtocol() == GroupProtocol.CLASSIC) {
            // Under the streams protocol the session timeout is the group's (broker config
            // group.streams.session.timeout.ms or the group config streams.session.timeout.ms), not the client's.
            p.put(StreamsConfig.mainConsumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), (int)
                    config.sessionTimeout().toMillis());
        }
        return p;
    }

    /** The topics the topology writes its output to, as opposed to its changelogs and repartitions. */
    static List<String> sinkTopics(StreamsAppConfig config) {
        TopicNames n = config.topicNames();
        return List.of(
                n.ktoExamples(),
                n.dpoPairs(),
                n.judgeVerdicts(),
                n.deadLetters(),
                n.policyDecisions(),
                config.settings().monitor().eventsTopic());
    }

    /** The topology this application runs. */
    public Topology topology() {
        return topology;
    }

    /**
     * Starts processing and the monitor endpoint. Input, output and monitor topics must exist
     * ({@code TopicProvisioner}, {@code streamrlhf topics create}); Kafka Streams creates its own internal topics.
     * After {@link #stopProcessing} it starts a fresh Kafka Streams client while the monitor endpoint keeps its
     * port.
     *
     * <p>A stream thread that dies shuts the whole client down ({@code SHUTDOWN_CLIENT}), rather than being
     * replaced ({@code REPLACE_THREAD}): a failure that repeats on the same input record (a record too large for
     * a changelog) would otherwise loop inside a client that still reports RUNNING, without backoff and unseen by
     * health checks. The client goes to ERROR instead; {@code failures} hears of it and the supervisor in the app
     * module restarts the client with backoff, and gives up after too many failures in a row.
     *
     * @param failures told, once, when the client stops on its own (ERROR, or NOT_RUNNING without
     *     {@link #stopProcessing} or {@link #close} asking for it)
     */
    public synchronized void start(Consumer<Throwable> failures) {
        if (streams != null) {
            throw new IllegalStateException("Streams application " + config.applicationId() + " already started");
        }
        KafkaStreams client = new KafkaStreams(topology, streamsProperties(config));
        AtomicReference<Throwable> cause = new AtomicReference<>();
        AtomicBoolean reported = new AtomicBoolean();
        client.setUncaughtExceptionHandler(e -> {
            log.error("Stream thread of {} failed; shutting the client down", config.applicationId(), e);
            cause.compareAndSet(null, e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        client.setStateListener((now, before) -> {
            log.info("Streams application {}: {} -> {}", config.applicationId(), before, now);
            if (now == KafkaStreams.State.RUNNING) {
                running.countDown();
            }
            boolean unexpected =
                    now == KafkaStreams.State.ERROR || (now == KafkaStreams.State.NOT_RUNNING && stopping != client);
            if (unexpected && reported.compareAndSet(false, true)) {
                Throwable why = cause.get();
                failures.accept(
                        why != null
                                ? why
                                : new IllegalStateException(
                                        "Kafka Streams " + config.applicationId() + " went to " + now));
            }
        });
        streams = client;
        client.start();
        int port = config.settings().monitor().httpPort();
        if (port >= 0 && http == null) {
            try {
                MonitorConfig monitor = config.settings().monitor();
                http = new MonitorHttpServer(
                        monitorQuery(),
                        () -> state().toString(),
                        port,
                        monitor.ssePeriod(),
                        Clock.systemUTC(),
                        new MonitorHttpServer.Options(
                                monitor.bindAddress(),
                                monitor.bearerToken(),
                                monitor.allowedOrigins(),
                                monitor.httpThreads(),
                                monitor.sseMaxClients(),
                                monitor.requestTimeout()));
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot serve the monitor on port " + port, e);
            }
        }
    }

    /** Starts processing and the monitor endpoint; a client that stops on its own is only logged. */
    public void start() {
        start(e -> log.error("Streams application {} stopped", config.applicationId(), e));
    }

    /** Waits until the application reached RUNNING once; false on timeout. */
    public boolean awaitRunning(Duration timeout) throws InterruptedException {
        return running.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The current state, or {@code CREATED} before {@link #start()}. */
    public KafkaStreams.State state() {
        KafkaStreams client = streams;
        return client == null ? KafkaStreams.State.CREATED : client.state();
    }

    /** Queries over this instance's monitor store. */
    public MonitorQuery monitorQuery() {
        return new MonitorQuery(this::monitorStore);
    }

    private ReadOnlyWindowStore<String, VersionMinuteStats> monitorStore() {
        KafkaStreams client = streams;
        if (client == null) {
            throw new InvalidStateStoreException("the streams client is restarting");
        }
        return client.store(StoreQueryParameters.fromNameAndType(
                MonitorTopology.STORE, QueryableStoreTypes.<String, VersionMinuteStats>windowStore()));
    }

    /** The port of the monitor endpoint, when it serves one. */
    public Optional<Integer> monitorPort() {
        return Optional.ofNullable(http).map(MonitorHttpServer::port);
    }

    /** The running Kafka Streams client, for metrics binders; empty before start and after a stop. */
    public synchronized Optional<KafkaStreams> kafkaStreams() {
        return Optional.ofNullable(streams);
    }

    /**
     * Stops processing, keeping the monitor endpoint (it answers 503 until a new client runs); waits up to
     * {@code timeout} for a clean shutdown (final commit). Leaves the consumer group, so the next start (or
     * another instance) gets the tasks without waiting for this member's session to time out: Kafka Streams stays
     * in the group on close by default, which made a restarted demo rebalance for the whole session timeout.
     */
    public synchronized void stopProcessing(Duration timeout) {
        if (streams != null) {
            stopping = streams;
            if (!streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                    .withTimeout(timeout))) {
                log.warn("Streams application {} did not close within {}", config.applicationId(), timeout);
            }
            streams = null;
        }
    }

    /** Stops serving and processing; waits up to {@code timeout} for a clean shutdown (see {@link #stopProcessing}). */
    public synchronized void close(Duration timeout) {
        if (http != null) {
            http.close();
            http = null;
        }
        stopProcessing(timeout);
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }
}
