package io.streamrlhf.localstack.junit;

import io.streamrlhf.localstack.broker.EmbeddedKafkaBroker;
import io.streamrlhf.localstack.registry.EmbeddedSchemaRegistry;
import io.streamrlhf.localstack.registry.KafkaBackedSchemaRegistry;
import io.streamrlhf.schemas.registry.RestSchemaRegistryClient;
import io.streamrlhf.schemas.registry.SchemaRegistryClient;
import io.streamrlhf.schemas.topic.TopicNames;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One embedded KRaft broker and one Kafka-backed schema registry per test class, started before the class's
 * {@code @BeforeAll} methods and closed after its {@code @AfterAll} methods.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();
 *
 * @Test
 * void something() {
 *   TopicNames names = TopicNames.defaults().withPrefix(KAFKA.uniquePrefix());
 *   ... KAFKA.bootstrapServers(), KAFKA.schemaRegistryClient(), KAFKA.uniqueName("group") ...
 * }
 * }</pre>
 *
 * <p>Tests of one class share the broker, so each should use its own topics, group ids and transactional ids:
 * {@link #uniquePrefix()} and {@link #uniqueName(String)} make them.
 */
public final class EmbeddedKafkaExtension implements BeforeAllCallback, AfterAllCallback {

    private final Map<String, String> brokerOverrides;
    private final AtomicLong sequence = new AtomicLong();
    private EmbeddedKafkaBroker broker;
    private EmbeddedSchemaRegistry registry;
    private SchemaRegistryClient client;
    private Class<?> owner;

    /** A broker with the embedded defaults. */
    public EmbeddedKafkaExtension() {
        this(Map.of());
    }

    /** A broker with extra broker settings (for example shorter transaction timeouts). */
    public EmbeddedKafkaExtension(Map<String, String> brokerOverrides) {
        this.brokerOverrides = Map.copyOf(brokerOverrides);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        if (broker != null) {
            // @Nested classes run the outer class's extensions again: they share its broker.
            return;
        }
        owner = context.getRequiredTestClass();
        broker = EmbeddedKafkaBroker.temporary(brokerOverrides).start();
        try {
            KafkaBackedSchemaRegistry.Config log = KafkaBackedSchemaRegistry.Config.of(
                    broker.bootstrapServers(), TopicNames.defaults().schemas());
            registry = EmbeddedSchemaRegistry.kafkaBacked(EmbeddedSchemaRegistry.Config.loopback(), log)
                    .start();
        } catch (RuntimeException e) {
            broker.close();
            broker = null;
            throw e;
        }
        client = new RestSchemaRegistryClient(registry.url());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (context.getRequiredTestClass() != owner) {
            return;
        }
        owner = null;
        try {
            if (registry != null) {
                registry.close();
            }
        } finally {
            registry = null;
            client = null;
            if (broker != null) {
                broker.close();
                broker = null;
            }
        }
    }

    /** The {@code bootstrap.servers} value for clients. */
    public String bootstrapServers() {
        return broker().bootstrapServers();
    }

    /** The schema registry's base URL, for example {@code http://127.0.0.1:41234}. */
    public String schemaRegistryUrl() {
        return schemaRegistry().url();
    }

    /** A REST client of this class's schema registry, the way a deployed component reaches it. */
    public SchemaRegistryClient schemaRegistryClient() {
        schemaRegistry();
        return client;
    }

    /** The broker itself, for tests that stop it on purpose. */
    public EmbeddedKafkaBroker broker() {
        if (broker == null) {
            throw notStarted();
        }
        return broker;
    }

    /** The registry server itself. */
    public EmbeddedSchemaRegistry schemaRegistry() {
        if (registry == null) {
            throw notStarted();
        }
        return registry;
    }

    /**
     * Starts a further schema registry on this broker, backed by its own log topic, for a test that stops it and
     * starts it again with the same schemas on the same {@code port} (an outage); {@code 0} picks a free port. The
     * test closes it.
     */
    public EmbeddedSchemaRegistry startSchemaRegistry(String schemasTopic, int port) {
        return EmbeddedSchemaRegistry.kafkaBacked(
                        EmbeddedSchemaRegistry.Config.loopback(port),
                        KafkaBackedSchemaRegistry.Config.of(bootstrapServers(), schemasTopic))
                .start();
    }

    /**
     * A topic prefix no other test of this run uses, ending in a dot: {@code TopicNames.defaults().withPrefix(...)}.
     */
    public String uniquePrefix() {
        return uniqueName("t") + ".";
    }

    /** {@code base} made unique for this run: for application ids, group ids, transactional ids and topics. */
    public String uniqueName(String base) {
        return base + "-" + sequence.incrementAndGet() + "-"
                + UUID.randomUUID().toString().substring(0, 8);
    }

    private static IllegalStateException notStarted() {
        return new IllegalStateException("Embedded Kafka not started: register the extension on a static field,"
                + " @RegisterExtension static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension()");
    }
}
