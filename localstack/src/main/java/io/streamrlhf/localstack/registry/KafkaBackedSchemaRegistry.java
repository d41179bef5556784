package io.streamrlhf.localstack.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamrlhf.schemas.registry.CompatibilityLevel;
import io.streamrlhf.schemas.registry.InMemorySchemaRegistry;
import io.streamrlhf.schemas.registry.RegisteredSchema;
import io.streamrlhf.schemas.registry.SchemaRegistryException;
import io.streamrlhf.schemas.registry.SchemaText;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.TransactionAbortedException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link InMemorySchemaRegistry} whose every change is first written to a compacted Kafka topic, as
 * Confluent's registry does with {@code _schemas}, and which rebuilds itself from that topic on
 * {@link #start()}: a restart keeps every id, version and compatibility level.
 *
 * <p>Records use Confluent's layout: key {@code {"keytype":"SCHEMA","subject":s,"version":v,"magic":1}} with
 * value {@code {"subject":s,"version":v,"id":i,"schema":text,"deleted":false}}, and key
 * {@code {"keytype":"CONFIG","subject":s|null,"magic":0}} with value {@code {"compatibilityLevel":level}}. A soft
 * delete writes the version's record again with {@code "deleted":true}, a permanent delete a tombstone for its key,
 * so that a restart replays both.
 * Each change is one Kafka transaction, committed before the change is applied; the registry's lock serializes
 * them in one process. Every instance on one log uses the same {@code transactional.id}: starting an instance
 * fences the older ones (their next change fails with 50004) before it reads the log to its end
 * ({@code read_committed}), so one schema never gets two ids, nor one id two schemas.
 */
public class KafkaBackedSchemaRegistry extends InMemorySchemaRegistry {

    private static final Logger log = LoggerFactory.getLogger(KafkaBackedSchemaRegistry.class);

    /**
     * Where the registry keeps its log.
     *
     * @param bootstrapServers the Kafka cluster
     * @param topic the compacted log topic, normally {@code TopicNames.schemas()}
     * @param timeout limit for creating the topic, reading it on start and each acknowledged write
     * @param clientOverrides extra Kafka client settings (security, for example) for the admin client,
     *                        producer and consumer
     */
    public record Config(String bootstrapServers, String topic, Duration timeout, Map<String, Object> clientOverrides) {
        /** Default limit for Kafka operations. */
        public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

        public Config {
            Objects.requireNonNull(bootstrapServers, "bootstrapServers");
            Objects.requireNonNull(topic, "topic");
            Objects.requireNonNull(timeout, "timeout");
            if (bootstrapServers.isBlank()) {
                throw new IllegalArgumentException(
                        "Schema registry needs Kafka bootstrap servers, e.g. 127.0.0.1:9092");
            }
            if (!topic.matches("[a-zA-Z0-9._-]{1,249}")) {
                throw new IllegalArgumentException(
                        "Invalid schema registry topic '" + topic + "': use 1-249 characters from [a-zA-Z0-9._-]");
            }
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("Schema registry Kafka timeout must be positive, got " + timeout);
            }
            clientOverrides = Map.copyOf(Objects.requireNonNull(clientOverrides, "clientOverrides"));
        }

        /** The log on {@code topic} of the cluster at {@code bootstrapServers}, with default timeout. */
        public static Config of(String bootstrapServers, String topic) {
            return new Config(bootstrapServers, topic, DEFAULT_TIMEOUT, Map.of());
        }
    }

    private static final int SCHEMA_KEY_MAGIC = 1;
    private static final int CONFIG_KEY_MAGIC = 0;
    /** Tries of one change when its transaction fails transiently. */
    static final int WRITE_ATTEMPTS = 3;

    private static final long RETRY_BACKOFF_MS = 100;

    private final Config config;
    private final ObjectMapper json = new ObjectMapper();
    private final Function<Map<String, Object>, Producer<byte[], byte[]>> producerFactory;
    private Producer<byte[], byte[]> producer;
    private boolean fenced;
    /** Why the writer was closed after a failure it could not abort, or null. */
    private String writerLost;
    /** The log offset after the last record this instance applied (replayed, written, or followed). */
    private long nextOffset;

    private Thread follower;
    private volatile boolean following;
    private volatile KafkaConsumer<byte[], byte[]> followerConsumer;

    /** A registry on the log described by {@code config}; call {@link #start()} before use. */
    public KafkaBackedSchemaRegistry(Config config) {
        this(config, props -> new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer()));
    }

    /** The same with the log writer built by {@code producerFactory} from its settings (tests inject faults). */
    KafkaBackedSchemaRegistry(Config config, Function<Map<String, Object>, Producer<byte[], byte[]>> producerFactory) {
        this.config = Objects.requireNonNull(config, "config");
        this.producerFactory = Objects.requireNonNull(producerFactory, "producerFactory");
    }

    /** The log settings. */
    public Config config() {
        return config;
    }

    /**
     * Creates the log topic if missing (compacted, one partition), checks it if present, replays it to its end
     * and opens the writer. Fails with {@link IllegalStateException} naming the problem when the topic has the
     * wrong settings, holds unreadable records, or Kafka does not answer within the timeout.
     */
    public synchronized KafkaBackedSchemaRegistry start() {
        if (producer != null) {
            throw new IllegalStateException("Schema registry log " + config.topic() + " already started");
        }
        long started = System.nanoTime();
        ensureTopic();
        Map<String, Object> props = clientProps();
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        int timeoutMs = (int) Math.min(Integer.MAX_VALUE, config.timeout().toMillis());
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeoutMs);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(timeoutMs, 30_000));
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, timeoutMs);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "streamrlhf-schema-registry-writer");
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId());
        producer = producerFactory.apply(props);
        try {
            // First fence every older instance on this log (its open transaction is aborted, its next commit
            // refused), then read what it committed: from here on this instance alone assigns ids.
            producer.initTransactions();
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            producer = null;
            throw new IllegalStateException(
                    "Cannot become the writer of schema registry log " + config.topic() + " (transactional.id "
                            + transactionalId() + "): " + e,
                    e);
        }
        fenced = false;
        writerLost = null;
        nextOffset = 0;
        int replayed;
        try {
            replayed = replay();
        } catch (RuntimeException e) {
            producer.close(Duration.ZERO);
            producer = null;
            throw e;
        }
        following = true;
        follower = new Thread(this::follow, "schema-registry-follower-" + config.topic());
        follower.setDaemon(true);
        follower.start();
        log.info(
                "Schema registry log {} replayed ({} records, {} subjects) in {} ms",
                config.topic(),
                replayed,
                subjects().size(),
                (System.nanoTime() - started) / 1_000_000);
        return this;
    }

    @Override
    protected void persistRegistration(RegisteredSchema registered) {
        write(
                schemaKey(registered),
                schemaValue(registered, false),
                "schema " + registered.subject() + " version " + registered.version());
    }

    /** A soft delete is the version's record again with {@code "deleted":true}; a permanent one its tombstone. */
    @Override
    protected void persistDeletion(RegisteredSchema version, boolean permanent) {
        write(
                schemaKey(version),
                permanent ? null : schemaValue(version, true),
                (permanent ? "permanent" : "soft") + " delete of " + version.subject() + " version "
                        + version.version());
    }

    private ObjectNode schemaKey(RegisteredSchema registered) {
        ObjectNode key = json.createObjectNode();
        key.put("keytype", "SCHEMA");
        key.put("subject", registered.subject());
        key.put("version", registered.version());
        key.put("magic", SCHEMA_KEY_MAGIC);
        return key;
    }

    private ObjectNode schemaValue(RegisteredSchema registered, boolean deleted) {
        ObjectNode value = json.createObjectNode();
        value.put("subject", registered.subject());
        value.put("version", registered.version());
        value.put("id", registered.id());
        value.put("schema", registered.schema().toString());
        value.put("deleted", deleted);
        return value;
    }

    @Override
    protected void persistCompatibility(String subject, CompatibilityLevel level) {
        ObjectNode key = json.createObjectNode();
        key.put("keytype", "CONFIG");
        key.put("subject", subject);
        key.put("magic", CONFIG_KEY_MAGIC);
        ObjectNode value = json.createObjectNode();
        value.put("compatibilityLevel", level.name());
        write(key, value, "compatibility " + level + " for " + (subject == null ? "the global level" : subject));
    }

    /** A deleted level is its config record's tombstone, as in Confluent's log. */
    @Override
    protected void persistCompatibilityDeletion(String subject) {
        ObjectNode key = json.createObjectNode();
        key.put("keytype", "CONFIG");
        key.put("subject", subject);
        key.put("magic", CONFIG_KEY_MAGIC);
        write(key, null, "deletion of the compatibility level of " + (subject == null ? "the global level" : subject));
    }

    /** Whether a newer instance took the log over: this one then only follows it, refusing every change. */
    public synchronized boolean fenced() {
        return fenced;
    }

    private void write(ObjectNode key, ObjectNode value, String what) {
        if (fenced) {
            throw notTheWriter(what);
        }
        if (producer == null) {
            throw new SchemaRegistryException(
                    500,
                    SchemaRegistryException.SERVER_ERROR,
                    writerLost == null
                            ? "Schema registry log " + config.topic() + " is not started (or closed); cannot store "
                                    + what
                            : "Schema registry log " + config.topic() + " lost its writer (" + writerLost
                                    + "); cannot store " + what + " until the registry restarts");
        }
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(
                config.topic(),
                0,
                key.toString().getBytes(StandardCharsets.UTF_8),
                value == null ? null : value.toString().getBytes(StandardCharsets.UTF_8));
        for (int attempt = 1; ; attempt++) {
            try {
                writeOnce(record);
                return;
            } catch (ProducerFencedException | InvalidProducerEpochException e) {
                fenced = true;
                producer.close(Duration.ZERO);
                producer = null;
                log.error(
                        "Schema registry log {}: a newer registry instance took over as writer; this one refuses "
                                + "changes from now on and follows the log read-only, so its reads stay current "
                                + "(restart it to take over again)",
                        config.topic(),
                        e);
                throw notTheWriter(what);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SchemaRegistryException(
                        500, SchemaRegistryException.SERVER_ERROR, "Interrupted while storing " + what, e);
            } catch (ExecutionException e) {
                // Not expected after a successful commit; the change is in the log, the follower will apply it.
                throw new SchemaRegistryException(
                        500, SchemaRegistryException.SERVER_ERROR, "Cannot confirm " + what + ": " + e.getCause(), e);
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                abortQuietly();
                throw new SchemaRegistryException(
                        500,
                        SchemaRegistryException.OPERATION_TIMEOUT,
                        "Kafka did not acknowledge " + what + " on " + config.topic() + " within "
                                + config.timeout().toMillis() + " ms",
                        e);
            } catch (RuntimeException e) {
                boolean aborted = abortQuietly();
                if (aborted && attempt < WRITE_ATTEMPTS && transientTransactionError(e)) {
                    // The aborted record is invisible to read_committed readers and the change was not applied,
                    // so writing it again in a new transaction stores it once.
                    log.warn(
                            "Schema registry log {}: storing {} failed ({}); aborted, trying again ({} of {})",
                            config.topic(),
                            what,
                            e.toString(),
                            attempt + 1,
                            WRITE_ATTEMPTS);
                    pause(attempt);
                    continue;
                }
                throw new SchemaRegistryException(
                        500,
                        SchemaRegistryException.SERVER_ERROR,
                        "Cannot store " + what + " on " + config.topic()
                                + (attempt > 1 ? " (" + attempt + " attempts)" : "") + ": " + e,
                        e);
            }
        }
    }

    private void writeOnce(ProducerRecord<byte[], byte[]> record) throws InterruptedException, ExecutionException {
        // One transaction per change: a newer instance's initTransactions() aborts it or refuses its commit.
        producer.beginTransaction();
        Future<RecordMetadata> sent = producer.send(record);
        producer.commitTransaction();
        // Committed, so already acknowledged: the follower must not apply this instance's own record again.
        nextOffset = Math.max(nextOffset, sent.get().offset() + 1);
    }

    /**
     * Errors after which the aborted transaction can simply be tried again with the same producer: the broker's
     * transaction state was briefly behind the client's (a transaction still completing on the coordinator, a
     * partition leader verifying a transaction that just began) or the error is retriable by Kafka's own
     * classification. Anything else (authorization, a record too large) would fail the same way again.
     */
    static boolean transientTransactionError(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof RetriableException
                    || t instanceof InvalidTxnStateException
                    || t instanceof TransactionAbortedException) {
                return true;
            }
        }
        return false;
    }

    private static void pause(int attempt) {
        try {
            Thread.sleep(RETRY_BACKOFF_MS * attempt);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SchemaRegistryException(
                    500, SchemaRegistryException.SERVER_ERROR, "Interrupted while retrying a schema registry write", e);
        }
    }

    private SchemaRegistryException notTheWriter(String what) {
        return new SchemaRegistryException(
                500,
                SchemaRegistryException.UNKNOWN_LEADER,
                "This schema registry instance was fenced by a newer one on log " + config.topic()
                        + "; it cannot store " + what + " (send changes to the newer instance)");
    }

    /** Whether the failed transaction was aborted and the producer can go on. */
    private boolean abortQuietly() {
        try {
            producer.abortTransaction();
            return true;
        } catch (RuntimeException e) {
            // A producer that cannot abort is unusable: the next change fails and names the cause.
            log.warn("Schema registry log {}: cannot abort a failed write", config.topic(), e);
            writerLost = "cannot abort a failed write: " + e;
            producer.close(Duration.ZERO);
            producer = null;
            return false;
        }
    }

    /** The same for every instance on one log, so that starting one fences the others. */
    private String transactionalId() {
        return transactionalId(config.topic());
    }

    /**
     * The transactional id of every registry instance whose log is {@code topic}: a secured cluster grants it to the
     * registry's principal ({@code WRITE}, {@code DESCRIBE}).
     */
    public static String transactionalId(String topic) {
        return "streamrlhf-schema-registry-" + topic;
    }

    private void ensureTopic() {
        Map<String, Object> props = clientProps();
        long timeoutMs = config.timeout().toMillis();
        int apiTimeoutMs = (int) Math.min(Integer.MAX_VALUE, timeoutMs);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, apiTimeoutMs);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(apiTimeoutMs, 30_000));
        try (Admin admin = Admin.create(props)) {
            NewTopic topic = new NewTopic(config.topic(), Optional.of(1), Optional.empty())
                    .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT));
            try {
                admin.createTopics(List.of(topic)).all().get(timeoutMs, TimeUnit.MILLISECONDS);
                log.info("Created schema registry log topic {} (compacted, 1 partition)", config.topic());
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new IllegalStateException(
                            "Cannot create schema registry topic " + config.topic() + " on " + config.bootstrapServers()
                                    + ": " + e.getCause(),
                            e.getCause());
                }
            }
            // It exists: it must be a log that compaction keeps whole and that has one total order.
            TopicDescription description = admin.describeTopics(List.of(config.topic()))
                    .allTopicNames()
                    .get(timeoutMs, TimeUnit.MILLISECONDS)
                    .get(config.topic());
            if (description.partitions().size() != 1) {
                throw new IllegalStateException("Schema registry topic " + config.topic() + " has "
                        + description.partitions().size() + " partitions; it must have exactly 1");
            }
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, config.topic());
            org.apache.kafka.clients.admin.Config topicConfig = admin.describeConfigs(List.of(resource))
                    .all()
                    .get(timeoutMs, TimeUnit.MILLISECONDS)
                    .get(resource);
            String policy = topicConfig.get(TopicConfig.CLEANUP_POLICY_CONFIG).value();
            if (!TopicConfig.CLEANUP_POLICY_COMPACT.equals(policy)) {
                throw new IllegalStateException("Schema registry topic " + config.topic() + " has cleanup.policy="
                        + policy + "; it must be 'compact' or old schemas would be deleted");
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "Cannot check schema registry topic " + config.topic() + " on " + config.bootstrapServers() + ": "
                            + e.getCause(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException(
                    "Kafka at " + config.bootstrapServers() + " did not answer within " + timeoutMs
                            + " ms while setting up schema registry topic " + config.topic(),
                    e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while setting up schema registry topic " + config.topic(), e);
        }
    }

    private int replay() {
        Map<String, Object> props = clientProps();
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "streamrlhf-schema-registry-reader");
        int apiTimeoutMs = (int) Math.min(Integer.MAX_VALUE, config.timeout().toMillis());
        props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, apiTimeoutMs);
        props.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(apiTimeoutMs, 30_000));
        TopicPartition partition = new TopicPartition(config.topic(), 0);
        long deadline = System.nanoTime() + config.timeout().toNanos();
        int count = 0;
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition), config.timeout()).get(partition);
            while (consumer.position(partition, config.timeout()) < end) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Schema registry log " + config.topic() + " not read to offset "
                            + end + " within " + config.timeout().toMillis() + " ms");
                }
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    apply(record);
                    count++;
                }
            }
            nextOffset = consumer.position(partition, config.timeout());
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw new IllegalStateException(
                    "Kafka at " + config.bootstrapServers() + " did not answer within "
                            + config.timeout().toMillis() + " ms while reading schema registry topic " + config.topic(),
                    e);
        }
        return count;
    }

    private void apply(ConsumerRecord<byte[], byte[]> record) {
        String where = config.topic() + "@" + record.offset();
        JsonNode key = readJson(record.key(), where, "key");
        if (key == null) {
            throw new IllegalStateException("Schema registry log record " + where + " has no key");
        }
        String keyType = key.path("keytype").asText("");
        JsonNode value = readJson(record.value(), where, "value");
        switch (keyType) {
            case "SCHEMA" -> {
                if (value == null) {
                    // A tombstone: the version was deleted permanently.
                    applyDeletion(requiredText(key, "subject", where), requiredInt(key, "version", where), true);
                    return;
                }
                RegisteredSchema registered = new RegisteredSchema(
                        requiredText(value, "subject", where),
                        requiredInt(value, "version", where),
                        requiredInt(value, "id", where),
                        parseSchema(requiredText(value, "schema", where), where));
                applyRegistration(registered);
                if (value.path("deleted").asBoolean(false)) {
                    applyDeletion(registered.subject(), registered.version(), false);
                }
            }
            case "CONFIG" -> {
                JsonNode subject = key.get("subject");
                if (value == null) {
                    applyCompatibilityDeletion(subject == null || subject.isNull() ? null : subject.asText());
                    return;
                }
                String level = value.path("compatibilityLevel")
                        .asText(value.path("compatibility").asText(""));
                try {
                    applyCompatibility(
                            subject == null || subject.isNull() ? null : subject.asText(),
                            CompatibilityLevel.parse(level));
                } catch (IllegalArgumentException e) {
                    throw new IllegalStateException("Schema registry log record " + where + ": " + e.getMessage(), e);
                }
            }
            default -> log.warn("Skipping schema registry log record {} of unsupported keytype '{}'", where, keyType);
        }
    }

    private JsonNode readJson(byte[] bytes, String where, String part) {
        if (bytes == null) {
            return null;
        }
        try {
            return json.readTree(bytes);
        } catch (IOException e) {
            throw new IllegalStateException(
                    "Schema registry log record " + where + " has a " + part + " that is not JSON: "
                            + new String(bytes, StandardCharsets.UTF_8),
                    e);
        }
    }

    private static String requiredText(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual()) {
            throw new IllegalStateException("Schema registry log record " + where + " lacks text field " + field);
        }
        return value.asText();
    }

    private static int requiredInt(JsonNode node, String field, String where) {
        JsonNode value = node.get(field);
        if (value == null || !value.canConvertToInt()) {
            throw new IllegalStateException("Schema registry log record " + where + " lacks integer field " + field);
        }
        return value.asInt();
    }

    private static Schema parseSchema(String text, String where) {
        try {
            return SchemaText.parse(text);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(
                    "Schema registry log record " + where + " holds an invalid schema: " + e.getMessage(), e);
        }
    }

    private Map<String, Object> clientProps() {
        Map<String, Object> props = new HashMap<>(config.clientOverrides());
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        return props;
    }

    /**
     * Tails the log from where this instance's state ends, applying every committed change another instance made
     * (after a newer instance fenced this one, everything it does), so that reads by id, subject and level stay
     * those of the log. Records this instance wrote itself lie below {@link #nextOffset} and are skipped.
     */
    private void follow() {
        Map<String, Object> props = clientProps();
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, "streamrlhf-schema-registry-follower");
        TopicPartition partition = new TopicPartition(config.topic(), 0);
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            followerConsumer = consumer;
            consumer.assign(List.of(partition));
            synchronized (this) {
                consumer.seek(partition, nextOffset);
            }
            while (following) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                    synchronized (this) {
                        if (record.offset() < nextOffset) {
                            continue;
                        }
                        try {
                            apply(record);
                        } catch (RuntimeException e) {
                            log.warn(
                                    "Schema registry log {}: skipping a record this instance cannot apply",
                                    config.topic(),
                                    e);
                        }
                        nextOffset = record.offset() + 1;
                    }
                }
            }
        } catch (org.apache.kafka.common.errors.WakeupException e) {
            // close() stops the follower.
        } catch (RuntimeException e) {
            log.error("Schema registry log {}: stopped following the log; reads may fall behind", config.topic(), e);
        } finally {
            followerConsumer = null;
        }
    }

    /** Closes the writer and the follower; the registry refuses changes afterwards. */
    @Override
    public void close() {
        Thread stopping;
        synchronized (this) {
            following = false;
            stopping = follower;
            follower = null;
            if (producer != null) {
                producer.close(Duration.ofSeconds(5));
                producer = null;
            }
        }
        KafkaConsumer<byte[], byte[]> consumer = followerConsumer;
        if (consumer != null) {
            consumer.wakeup();
        }
        if (stopping != null) {
            try {
                stopping.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
