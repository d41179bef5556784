package io.streamrlhf.streams.app;

import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.Topics;
import io.streamrlhf.streams.avro.VersionMinuteStats;
import io.streamrlhf.streams.common.StreamSerdes;
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
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.GroupProtocol;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
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
    private KafkaStreams streams;
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
                config.settings().monitor().eventsTopic());
    }

    /** The topology this application runs. */
    public Topology topology() {
        return topology;
    }

    /**
     * Starts processing and the monitor endpoint. Input, output and monitor topics must exist
     * ({@code TopicProvisioner}, {@code streamrlhf topics create}); Kafka Streams creates its own internal topics.
     */
    public synchronized void start() {
        if (streams != null) {
            throw new IllegalStateException("Streams application " + config.applicationId() + " already started");
        }
        streams = new KafkaStreams(topology, streamsProperties(config));
        streams.setUncaughtExceptionHandler(e -> {
            log.error("Stream thread of {} failed; shutting the client down", config.applicationId(), e);
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streams.setStateListener((now, before) -> {
            log.info("Streams application {}: {} -> {}", config.applicationId(), before, now);
            if (now == KafkaStreams.State.RUNNING) {
                running.countDown();
            }
        });
        streams.start();
        int port = config.settings().monitor().httpPort();
        if (port >= 0) {
            try {
                http = new MonitorHttpServer(
                        monitorQuery(),
                        () -> streams.state().toString(),
                        port,
                        config.settings().monitor().ssePeriod(),
                        Clock.systemUTC());
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot serve the monitor on port " + port, e);
            }
        }
    }

    /** Waits until the application reached RUNNING once; false on timeout. */
    public boolean awaitRunning(Duration timeout) throws InterruptedException {
        return running.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The current state, or {@code CREATED} before {@link #start()}. */
    public synchronized KafkaStreams.State state() {
        return streams == null ? KafkaStreams.State.CREATED : streams.state();
    }

    /** Queries over this instance's monitor store. */
    public MonitorQuery monitorQuery() {
        return new MonitorQuery(this::monitorStore);
    }

    private ReadOnlyWindowStore<String, VersionMinuteStats> monitorStore() {
        return streams.store(StoreQueryParameters.fromNameAndType(
                MonitorTopology.STORE, QueryableStoreTypes.<String, VersionMinuteStats>windowStore()));
    }

    /** The port of the monitor endpoint, when it serves one. */
    public Optional<Integer> monitorPort() {
        return Optional.ofNullable(http).map(MonitorHttpServer::port);
    }

    /**
     * Stops serving and processing; waits up to {@code timeout} for a clean shutdown (final commit). Leaves the
     * consumer group, so the next start (or another instance) gets the tasks without waiting for this member's
     * session to time out: Kafka Streams stays in the group on close by default, which made a restarted demo
     * rebalance for the whole session timeout.
     */
    public synchronized void close(Duration timeout) {
        if (http != null) {
            http.close();
            http = null;
        }
        if (streams != null) {
            if (!streams.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                    .withTimeout(timeout))) {
                log.warn("Streams application {} did not close within {}", config.applicationId(), timeout);
            }
            streams = null;
        }
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }
}
