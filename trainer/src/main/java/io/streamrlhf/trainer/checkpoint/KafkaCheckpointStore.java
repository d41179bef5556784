package io.streamrlhf.trainer.checkpoint;

import io.streamrlhf.avro.CanaryDecision;
import io.streamrlhf.avro.CheckpointChunk;
import io.streamrlhf.avro.DecisionOutcome;
import io.streamrlhf.schemas.topic.Topic;
import io.streamrlhf.schemas.topic.TopicLayout;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoints as chunks in a compacted Kafka topic, so that a sampler on any host gets a version from Kafka alone.
 *
 * <p><b>Writing.</b> {@link #write} only prepares the version's files (the byte-level model's one
 * {@value #BYTE_MODEL_FILE}, or a Hugging Face version's PEFT directory files, as {@link HfCheckpointFiles} lays
 * them out) and its sha256, exactly the file store's; {@link #sendInTransaction} then sends them as
 * {@link CheckpointChunk}s through the publisher's transactional producer, inside the transaction that carries the
 * {@code PolicyVersion} and commits the example offsets. An aborted publish leaves only aborted chunks, which
 * {@code read_committed} readers never see; a committed version always has all its chunks. Every chunk of a version
 * goes to one partition, chosen from {@code modelId/version} as Kafka's default partitioner chooses from a key, so
 * a reader reads one partition (the topic's partition count must not change, as for any keyed topic).
 *
 * <p><b>Addressing.</b> A version's URI is {@code kafka://<topic>/<modelId>/<version>}. A URI naming another topic,
 * or with anything else (user info, port, query, fragment, extra segments, a version number not in canonical form),
 * is refused before anything is read.
 *
 * <p><b>Reading.</b> A reader scans the version's partition {@code read_committed} from its start to its last stable
 * offset, keeping only the version's chunks (a later record of the same key replaces an earlier one and a tombstone
 * deletes it, as compaction would); the files' declared sizes together must stay within the bound, checked as soon as
 * each file's first chunk arrives, and at most one fetch of other chunks is held at a time. The chunks are then put
 * together by {@link CheckpointChunks} (each file's sha256 checked) and the version's digest checked against its
 * record, exactly as the file store checks its files.
 *
 * <p><b>Retention.</b> Each publish also writes, in the same transaction, tombstones for every chunk of the versions
 * the rule no longer keeps: version 0 (the warm start, the reference), the {@code keepLast} newest versions, and
 * every version the canary controller promoted (a {@code PROMOTED} decision on the decisions topic). A reader asking
 * for a deleted version finds no chunks: it is refused as a missing checkpoint.
 */
public final class KafkaCheckpointStore implements CheckpointStore {

    /** The URI scheme. */
    public static final String SCHEME = "kafka";
    /** The byte-level model's one file in a version. */
    public static final String BYTE_MODEL_FILE = "checkpoint.ckpt";

    private static final Logger LOG = LoggerFactory.getLogger(KafkaCheckpointStore.class);
    private static final Pattern MODEL_ID = Pattern.compile("[A-Za-z0-9._-]+");
    private static final Pattern PATH = Pattern.compile("/([A-Za-z0-9._-]+)/(0|[1-9][0-9]{0,18})");

    private final Topic<String, CheckpointChunk> topic;
    private final Topic<String, CanaryDecision> decisions;
    private final Map<String, Object> clientProperties;
    private final long maxBytes;
    private final int chunkBytes;
    private final int keepLast;
    private final Duration timeout;
    private final Map<URI, Prepared> prepared = new ConcurrentHashMap<>();
    /** Per model id, the chunk keys of each version live in the topic; built by one scan, then kept up to date. */
    private final Map<String, NavigableMap<Long, List<String>>> live = new HashMap<>();

    private record Prepared(String modelId, long version, SortedMap<String, byte[]> files) {}

    /**
     * A store on {@code topic}.
     *
     * @param topic the chunks' topic
     * @param decisions the canary decisions, whose promoted versions retention keeps
     * @param bootstrapServers the cluster
     * @param kafkaOverrides client settings of the store's consumers (security)
     * @param maxBytes the largest version read, in bytes
     * @param chunkBytes the size of the chunks written
     * @param keepLast how many newest versions retention keeps
     * @param timeout the longest a scan of the topic may take
     */
    public KafkaCheckpointStore(
            Topic<String, CheckpointChunk> topic,
            Topic<String, CanaryDecision> decisions,
            String bootstrapServers,
            Map<String, String> kafkaOverrides,
            long maxBytes,
            int chunkBytes,
            int keepLast,
            Duration timeout) {
        if (maxBytes < 1 || maxBytes > LocalCheckpointStore.LIMIT_MAX_BYTES) {
            throw new IllegalArgumentException("checkpoint size bound must be 1.."
                    + LocalCheckpointStore.LIMIT_MAX_BYTES + " bytes, was " + maxBytes);
        }
        if (chunkBytes < 1 || chunkBytes > TopicLayout.CHECKPOINT_MAX_CHUNK_BYTES || keepLast < 1) {
            throw new IllegalArgumentException("chunk size must be 1.." + TopicLayout.CHECKPOINT_MAX_CHUNK_BYTES
                    + " and keepLast >= 1, were " + chunkBytes + " and " + keepLast);
        }
        this.topic = topic;
        this.decisions = decisions;
        this.maxBytes = maxBytes;
        this.chunkBytes = chunkBytes;
        this.keepLast = keepLast;
        this.timeout = timeout;
        Map<String, Object> props = new HashMap<>(kafkaOverrides);
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // One fetch of chunks at a time: what a reader holds besides the version's own chunks stays small.
        props.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, TopicLayout.CHECKPOINT_MAX_MESSAGE_BYTES);
        props.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, TopicLayout.CHECKPOINT_MAX_MESSAGE_BYTES);
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        this.clientProperties = Map.copyOf(props);
    }

    /** The URI of {@code version} of {@code modelId} in this store. */
    public URI uri(String modelId, long version) {
        requireModelId(modelId);
        return URI.create(SCHEME + "://" + topic.name() + "/" + modelId + "/" + version);
    }

    /** The chunks' topic. */
    public String topicName() {
        return topic.name();
    }

    @Override
    public Stored write(String name, Checkpoint checkpoint) throws IOException {
        requireModelId(checkpoint.modelId());
        SortedMap<String, byte[]> files = filesOf(checkpoint);
        long size = files.values().stream().mapToLong(b -> b.length).sum();
        if (size > maxBytes) {
            throw new IOException("version " + checkpoint.version() + " of " + checkpoint.modelId() + " has " + size
                    + " bytes, above the bound of " + maxBytes + " (trainer.checkpoint.max.bytes) that readers apply;"
                    + " raise the bound on trainer and samplers");
        }
        String sha = checkpoint.hf().isPresent()
                ? HfCheckpointFiles.digest(files)
                : CheckpointCodec.sha256Hex(files.get(BYTE_MODEL_FILE));
        URI uri = uri(checkpoint.modelId(), checkpoint.version());
        prepared.put(uri, new Prepared(checkpoint.modelId(), checkpoint.version(), files));
        return new Stored(uri, sha, size);
    }

    @Override
    public void sendInTransaction(Stored stored, Producer<String, byte[]> producer) throws IOException {
        Prepared p = prepared.remove(stored.uri());
        if (p == null) {
            throw new IllegalStateException(stored.uri() + " was not written by this store, or was sent already");
        }
        int partitions = producer.partitionsFor(topic.name()).size();
        int partition = partition(p.modelId(), p.version(), partitions);
        Serializer<CheckpointChunk> serializer = topic.valueSerde().serializer();
        List<String> keys = new ArrayList<>();
        List<CheckpointChunk> chunks = CheckpointChunks.split(p.modelId(), p.version(), p.files(), chunkBytes);
        for (CheckpointChunk chunk : chunks) {
            String key = CheckpointChunks.key(p.modelId(), p.version(), chunk.getFileName(), chunk.getChunkIndex());
            producer.send(
                    new ProducerRecord<>(topic.name(), partition, key, serializer.serialize(topic.name(), chunk)));
            keys.add(key);
        }
        LOG.info(
                "Sending {} chunks of {} version {} to {}-{}",
                chunks.size(),
                p.modelId(),
                p.version(),
                topic.name(),
                partition);
        NavigableMap<Long, List<String>> versions = liveVersions(p.modelId());
        versions.put(p.version(), keys);
        Set<Long> promoted = promotedVersions(p.modelId());
        for (long dropped : ChunkRetention.dropped(versions.navigableKeySet(), promoted, keepLast)) {
            int droppedPartition = partition(p.modelId(), dropped, partitions);
            List<String> droppedKeys = versions.remove(dropped);
            for (String key : droppedKeys) {
                producer.send(new ProducerRecord<>(topic.name(), droppedPartition, key, null));
            }
            LOG.info(
                    "Retention: tombstoning {} chunks of {} version {} (keeping version 0, the last {} and promoted {})",
                    droppedKeys.size(),
                    p.modelId(),
                    dropped,
                    keepLast,
                    promoted);
        }
    }

    @Override
    public Checkpoint read(URI uri, String expectedSha256) throws IOException {
        Address address = parse(uri);
        String prefix = CheckpointChunks.prefix(address.modelId(), address.version());
        Deserializer<CheckpointChunk> deserializer = topic.valueSerde().deserializer();
        Map<String, CheckpointChunk> chunks = new HashMap<>();
        Map<String, Long> declared = new HashMap<>();
        IOException[] failure = new IOException[1];
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic.name(), timeout);
            if (infos == null || infos.isEmpty()) {
                throw new UntrustedCheckpointException(
                        UntrustedCheckpointException.Kind.MISSING,
                        "checkpoint " + uri + ": topic " + topic.name() + " does not exist");
            }
            TopicPartition tp =
                    new TopicPartition(topic.name(), partition(address.modelId(), address.version(), infos.size()));
            scan(consumer, List.of(tp), record -> {
                if (failure[0] != null || record.key() == null || !record.key().startsWith(prefix)) {
                    return;
                }
                if (record.value() == null) {
                    chunks.remove(record.key());
                    return;
                }
                try {
                    CheckpointChunk chunk = decode(uri, record, deserializer);
                    checkKey(uri, record.key(), chunk);
                    Long before = declared.put(chunk.getFileName().toString(), chunk.getFileSize());
                    if (before == null || before < chunk.getFileSize()) {
                        long total = declared.values().stream()
                                .mapToLong(Long::longValue)
                                .sum();
                        if (total > maxBytes) {
                            throw new UntrustedCheckpointException(
                                    UntrustedCheckpointException.Kind.TOO_LARGE,
                                    "checkpoint " + uri + " declares " + total + " bytes, above the bound of "
                                            + maxBytes + " (trainer.checkpoint.max.bytes); refusing to read it");
                        }
                    }
                    chunks.put(record.key(), chunk);
                    long held = chunks.values().stream()
                            .mapToLong(c -> c.getData().remaining())
                            .sum();
                    if (held > maxBytes) {
                        throw new UntrustedCheckpointException(
                                UntrustedCheckpointException.Kind.TOO_LARGE,
                                "checkpoint " + uri + " has chunks of more than " + maxBytes
                                        + " bytes (trainer.checkpoint.max.bytes); refusing to read it");
                    }
                } catch (IOException e) {
                    failure[0] = e;
                }
            });
        }
        if (failure[0] != null) {
            throw failure[0];
        }
        SortedMap<String, byte[]> files = CheckpointChunks.assemble(
                uri.toString(), address.modelId(), address.version(), chunks.values(), maxBytes);
        return decodeVersion(uri, files, expectedSha256);
    }

    @Override
    public void checkLocation(URI uri) throws UntrustedCheckpointException {
        parse(uri);
    }

    @Override
    public boolean isOf(String modelId, long version, URI uri) {
        try {
            Address a = parse(uri);
            return a.modelId().equals(modelId) && a.version() == version;
        } catch (UntrustedCheckpointException e) {
            return false;
        }
    }

    @Override
    public String describeName(String modelId, long version) {
        return SCHEME + "://" + topic.name() + "/" + modelId + "/" + version;
    }

    @Override
    public long maxBytes() {
        return maxBytes;
    }

    /**
     * Nothing: chunks of a publish that did not commit are aborted records no reader sees, so there are no orphans to
     * list; committed versions leave only through retention's tombstones.
     */
    @Override
    public List<URI> list() {
        return List.of();
    }

    /**
     * Refused: deleting chunks means writing tombstones, which only a publish transaction does (retention).
     *
     * @throws UnsupportedOperationException always
     */
    @Override
    public void delete(URI uri) {
        throw new UnsupportedOperationException(
                "the kafka checkpoint store deletes versions only by retention, in a publish transaction");
    }

    /** The versions of {@code modelId} with committed chunks in the topic, by one scan of every partition. */
    public NavigableMap<Long, List<String>> scanVersions(String modelId) throws IOException {
        requireModelId(modelId);
        Map<String, Boolean> keys = new HashMap<>();
        String prefix = modelId + "/";
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic.name(), timeout);
            List<TopicPartition> all = infos == null
                    ? List.of()
                    : infos.stream()
                            .map(i -> new TopicPartition(i.topic(), i.partition()))
                            .toList();
            scan(consumer, all, record -> {
                if (record.key() != null && record.key().startsWith(prefix)) {
                    if (record.value() == null) {
                        keys.remove(record.key());
                    } else {
                        keys.put(record.key(), Boolean.TRUE);
                    }
                }
            });
        }
        NavigableMap<Long, List<String>> versions = new TreeMap<>();
        for (String key : keys.keySet()) {
            String[] parts = key.split("/", -1);
            if (parts.length == 4 && parts[1].matches("0|[1-9][0-9]{0,18}")) {
                versions.computeIfAbsent(Long.parseLong(parts[1]), v -> new ArrayList<>())
                        .add(key);
            }
        }
        return versions;
    }

    private synchronized NavigableMap<Long, List<String>> liveVersions(String modelId) throws IOException {
        NavigableMap<Long, List<String>> versions = live.get(modelId);
        if (versions == null) {
            versions = scanVersions(modelId);
            live.put(modelId, versions);
        }
        return versions;
    }

    /** Versions of {@code modelId} with a {@code PROMOTED} canary decision; none when canary is off. */
    private Set<Long> promotedVersions(String modelId) throws IOException {
        Set<Long> promoted = new HashSet<>();
        Deserializer<CanaryDecision> deserializer = decisions.valueSerde().deserializer();
        try (KafkaConsumer<String, byte[]> consumer = consumer()) {
            List<PartitionInfo> infos = consumer.partitionsFor(decisions.name(), timeout);
            if (infos == null || infos.isEmpty()) {
                return promoted;
            }
            scan(
                    consumer,
                    infos.stream()
                            .map(i -> new TopicPartition(i.topic(), i.partition()))
                            .toList(),
                    record -> {
                        if (record.value() == null || !modelId.equals(record.key())) {
                            return;
                        }
                        try {
                            CanaryDecision d =
                                    deserializer.deserialize(record.topic(), record.headers(), record.value());
                            if (d != null
                                    && modelId.equals(d.getModelId())
                                    && d.getOutcome() == DecisionOutcome.PROMOTED) {
                                promoted.add(d.getVersion());
                            }
                        } catch (RuntimeException e) {
                            LOG.warn(
                                    "Skipping an unreadable canary decision at {}-{}@{}",
                                    record.topic(),
                                    record.partition(),
                                    record.offset(),
                                    e);
                        }
                    });
        }
        return promoted;
    }

    private KafkaConsumer<String, byte[]> consumer() {
        return new KafkaConsumer<>(clientProperties, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /** Reads {@code partitions} from their start to the end offsets (last stable offsets) seen when it began. */
    private void scan(
            KafkaConsumer<String, byte[]> consumer,
            List<TopicPartition> partitions,
            Consumer<ConsumerRecord<String, byte[]>> each)
            throws IOException {
        if (partitions.isEmpty()) {
            return;
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            boolean done = true;
            for (TopicPartition tp : partitions) {
                if (consumer.position(tp, timeout) < end.get(tp)) {
                    done = false;
                }
            }
            if (done) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("reading " + partitions + " did not reach offsets " + end + " within " + timeout);
            }
            for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                if (record.offset() < end.get(new TopicPartition(record.topic(), record.partition()))) {
                    each.accept(record);
                }
            }
        }
    }

    private CheckpointChunk decode(
            URI uri, ConsumerRecord<String, byte[]> record, Deserializer<CheckpointChunk> deserializer)
            throws CorruptCheckpointException {
        try {
            return deserializer.deserialize(record.topic(), record.headers(), record.value());
        } catch (RuntimeException e) {
            throw new CorruptCheckpointException(
                    "checkpoint " + uri + ": the chunk at " + record.topic() + "-" + record.partition() + "@"
                            + record.offset() + " cannot be decoded: " + e.getMessage(),
                    e);
        }
    }

    /** A chunk must be stored under the key its own fields give, so no key can carry another version's bytes. */
    private static void checkKey(URI uri, String key, CheckpointChunk chunk) throws UntrustedCheckpointException {
        String expected = CheckpointChunks.key(
                chunk.getModelId().toString(),
                chunk.getVersion(),
                chunk.getFileName().toString(),
                chunk.getChunkIndex());
        if (!expected.equals(key)) {
            throw new UntrustedCheckpointException(
                    UntrustedCheckpointException.Kind.INCOMPLETE,
                    "checkpoint " + uri + " is not a whole version: the chunk under key " + key + " says it is "
                            + expected + "; refusing it");
        }
    }

    /** Verifies the files' digest against the record and decodes them, as the file store does with its files. */
    private static Checkpoint decodeVersion(URI uri, SortedMap<String, byte[]> files, String expectedSha256)
            throws IOException {
        boolean byteModel = files.size() == 1 && files.containsKey(BYTE_MODEL_FILE);
        if (!byteModel
                && (!HfCheckpointFiles.FILES.containsAll(files.keySet())
                        || !files.containsKey(HfCheckpointFiles.STATE_FILE))) {
            throw new UntrustedCheckpointException(
                    UntrustedCheckpointException.Kind.INCOMPLETE,
                    "checkpoint " + uri + " holds the files " + files.keySet() + ", neither " + BYTE_MODEL_FILE
                            + " alone nor a version directory's files with " + HfCheckpointFiles.STATE_FILE
                            + "; refusing it");
        }
        if (expectedSha256 != null) {
            String actual =
                    byteModel ? CheckpointCodec.sha256Hex(files.get(BYTE_MODEL_FILE)) : HfCheckpointFiles.digest(files);
            if (!actual.equalsIgnoreCase(expectedSha256)) {
                throw new CorruptCheckpointException("checkpoint " + uri + " has sha256 " + actual
                        + " but its policy version records " + expectedSha256 + "; refusing to load it");
            }
        }
        if (byteModel) {
            return CheckpointCodec.decode(files.get(BYTE_MODEL_FILE), uri.toString());
        }
        Path copy = Files.createTempDirectory("streamrlhf-version");
        try {
            for (Map.Entry<String, byte[]> e : files.entrySet()) {
                Files.write(copy.resolve(e.getKey()), e.getValue());
            }
            return HfCheckpointFiles.read(copy, uri.toString());
        } finally {
            deleteTree(copy);
        }
    }

    private static SortedMap<String, byte[]> filesOf(Checkpoint checkpoint) throws IOException {
        SortedMap<String, byte[]> files = new TreeMap<>();
        if (checkpoint.hf().isEmpty()) {
            files.put(BYTE_MODEL_FILE, CheckpointCodec.encode(checkpoint));
            return files;
        }
        Path dir = Files.createTempDirectory("streamrlhf-version");
        try {
            HfCheckpointFiles.write(dir, checkpoint);
            try (Stream<Path> written = Files.list(dir)) {
                for (Path p : written.toList()) {
                    files.put(p.getFileName().toString(), Files.readAllBytes(p));
                }
            }
            return files;
        } finally {
            deleteTree(dir);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path p : entries.toList()) {
                Files.deleteIfExists(p);
            }
        }
        Files.deleteIfExists(dir);
    }

    /**
     * The partition every chunk of {@code version} of {@code modelId} goes to, of a topic with {@code partitions}:
     * murmur2 of {@code modelId/version}, as Kafka's default partitioner hashes a key.
     */
    public static int partition(String modelId, long version, int partitions) {
        byte[] key = (modelId + "/" + version).getBytes(StandardCharsets.UTF_8);
        return Utils.toPositive(Utils.murmur2(key)) % partitions;
    }

    private record Address(String modelId, long version) {}

    private Address parse(URI uri) throws UntrustedCheckpointException {
        if (!SCHEME.equals(uri.getScheme())
                || !topic.name().equals(uri.getRawAuthority())
                || uri.getRawQuery() != null
                || uri.getRawFragment() != null
                || uri.getRawPath() == null) {
            throw outside(uri);
        }
        Matcher m = PATH.matcher(uri.getRawPath());
        if (!m.matches()) {
            throw outside(uri);
        }
        long version;
        try {
            version = Long.parseLong(m.group(2));
        } catch (NumberFormatException e) {
            throw outside(uri);
        }
        // Only the canonical form: one version has one URI, so a forged record cannot name it in another spelling.
        if (!uri.toString().equals(describeName(m.group(1), version))) {
            throw outside(uri);
        }
        return new Address(m.group(1), version);
    }

    private UntrustedCheckpointException outside(URI uri) {
        return new UntrustedCheckpointException(
                UntrustedCheckpointException.Kind.OUTSIDE_STORE,
                "checkpoint URI " + uri + " is outside the kafka store: only " + SCHEME + "://" + topic.name()
                        + "/<modelId>/<version> is read; refusing it");
    }

    private static void requireModelId(String modelId) {
        if (modelId == null || !MODEL_ID.matcher(modelId).matches()) {
            throw new IllegalArgumentException("model id must be [A-Za-z0-9._-]+, was " + modelId);
        }
    }
}
