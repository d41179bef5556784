package io.streamrlhf.localstack.stack;

import io.streamrlhf.localstack.broker.EmbeddedKafkaBroker;
import io.streamrlhf.localstack.registry.EmbeddedSchemaRegistry;
import io.streamrlhf.localstack.registry.KafkaBackedSchemaRegistry;
import io.streamrlhf.schemas.topic.TopicProvisioner;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded infrastructure of the local stack: a KRaft broker whose data persists under the data folder,
 * the Confluent-compatible schema registry (its schemas kept in a compacted topic on that broker), and every
 * topic provisioned. Closing stops them in reverse order.
 */
public final class LocalStack implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalStack.class);

    private final StackConfig config;
    private final Deque<AutoCloseable> started = new ArrayDeque<>();
    private EmbeddedKafkaBroker broker;
    private EmbeddedSchemaRegistry registry;
    private TopicProvisioner.Report topicReport;

    public LocalStack(StackConfig config) {
        this.config = config;
    }

    /** Starts broker, registry and topics; on failure stops whatever had started and rethrows. */
    public LocalStack start() {
        try {
            Map<String, String> brokerOverrides =
                    config.kafkaPort() == 0 ? Map.of() : Map.of("port", String.valueOf(config.kafkaPort()));
            broker = EmbeddedKafkaBroker.persistent(config.dataDir().resolve("kafka"), brokerOverrides)
                    .start();
            started.push(broker);
            try (Admin admin =
                    Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
                topicReport = new TopicProvisioner(admin)
                        .ensure(config.layout().specs(config.names(), config.monitorEventsTopic()));
            }
            registry = EmbeddedSchemaRegistry.kafkaBacked(
                            new EmbeddedSchemaRegistry.Config(config.registryBindAddress(), config.registryPort(), 4),
                            KafkaBackedSchemaRegistry.Config.of(
                                    broker.bootstrapServers(), config.names().schemas()))
                    .start();
            started.push(registry);
            log.info("Local stack up: kafka {} registry {}", broker.bootstrapServers(), registry.url());
            return this;
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    public String registryUrl() {
        return registry.url();
    }

    public StackConfig config() {
        return config;
    }

    /** What topic provisioning found and did. */
    public TopicProvisioner.Report topicReport() {
        return topicReport;
    }

    @Override
    public void close() {
        while (!started.isEmpty()) {
            AutoCloseable component = started.pop();
            try {
                component.close();
            } catch (Exception e) {
                log.warn("Failed to stop {}", component.getClass().getSimpleName(), e);
            }
        }
    }
}
