package io.streamrlhf.bench.chaos;

import io.streamrlhf.avro.KtoExample;
import io.streamrlhf.avro.OffsetRange;
import io.streamrlhf.avro.PolicyVersion;
import io.streamrlhf.schemas.topic.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads what the run left on the broker with a {@code read_committed} consumer, independently of the components:
 * the KTO examples (compared with the votes the gateway accepted), the committed policy versions and their lineages
 * (compared with every committed example and pair offset).
 */
final class ChaosCheck {

    /**
     * The driver's examples.
     *
     * @param expected votes the gateway accepted (one example each)
     * @param found expected (response, user) pairs with at least one example
     * @param lost expected pairs with none
     * @param duplicates records beyond one per example id, plus example ids beyond one per (response, user)
     * @param wrongLabel examples whose latest record carries another label than the vote
     * @param unexpected example ids of the driver's responses for a (response, user) it never voted as
     * @param notAbsorbed the driver's example records not yet in any committed version's lineage
     */
    record Examples(
            int expected, int found, int lost, int duplicates, int wrongLabel, int unexpected, int notAbsorbed) {}

    /**
     * Every committed example and pair offset up to the end of the last lineage.
     *
     * @param offsets committed records checked
     * @param inNoVersion offsets no lineage holds although a later one does (a loss)
     * @param inSeveralVersions offsets more than one lineage holds (trained twice)
     * @param beyondLastVersion committed records newer than the last version's lineage (not yet trained)
     */
    record Lineage(long offsets, long inNoVersion, long inSeveralVersions, long beyondLastVersion) {}

    /**
     * The committed versions of the model.
     *
     * @param committed version records
     * @param latest the highest version number, -1 without any
     * @param missing numbers between 0 and the latest without a version
     * @param doubled version numbers committed more than once
     * @param brokenParents versions whose parent is not the version before them
     * @param gone versions seen committed during the run and missing now
     */
    record Versions(int committed, long latest, int missing, int doubled, int brokenParents, int gone) {}

    /** One reading of everything. */
    record Result(Examples examples, Lineage lineage, Versions versions) {}

    private final String bootstrapServers;
    private final Topics topics;
    private final String modelId;

    ChaosCheck(String bootstrapServers, Topics topics, String modelId) {
        this.bootstrapServers = bootstrapServers;
        this.topics = topics;
        this.modelId = modelId;
    }

    /** The committed version numbers of the model now. */
    Set<Long> versionNumbers() {
        Set<Long> out = new HashSet<>();
        versions().forEach(v -> out.add(v.getVersion()));
        return out;
    }

    private List<PolicyVersion> versions() {
        List<PolicyVersion> out = new ArrayList<>();
        String topic = topics.policyVersions().name();
        for (ConsumerRecord<byte[], byte[]> r : readCommitted(topic)) {
            if (r.value() == null) {
                continue;
            }
            PolicyVersion v =
                    topics.policyVersions().valueSerde().deserializer().deserialize(topic, r.value());
            if (v.getModelId().equals(modelId)) {
                out.add(v);
            }
        }
        return out;
    }

    /** Checks the topics against {@code votes}; {@code seenVersions} are versions observed during the run. */
    Result check(Collection<EventDriver.Vote> votes, Set<Long> seenVersions) {
        List<PolicyVersion> versions = versions();
        Map<TopicPartition, List<long[]>> ranges = new HashMap<>();
        for (PolicyVersion v : versions) {
            for (OffsetRange r : v.getLineage()) {
                ranges.computeIfAbsent(new TopicPartition(r.getTopic(), r.getPartition()), k -> new ArrayList<>())
                        .add(new long[] {r.getFromOffset(), r.getToOffset()});
            }
        }

        // Examples of the driver's responses, per (response, user) and per example id, in log order per partition.
        String ktoTopic = topics.ktoExamples().name();
        Map<String, Boolean> expected = new HashMap<>();
        // The gateway stores each user id in its key's tenant.
        votes.forEach(v -> expected.put(v.responseId() + "\u0000" + ChaosCluster.TENANT + ":" + v.userId(), v.label()));
        Map<String, Set<String>> idsPerPair = new HashMap<>();
        Map<String, Integer> recordsPerId = new HashMap<>();
        Map<String, Boolean> latestLabel = new HashMap<>();
        Map<String, String> pairOfId = new HashMap<>();
        int notAbsorbed = 0;
        long offsets = 0;
        long inNone = 0;
        long inSeveral = 0;
        long beyond = 0;
        for (String topic : List.of(ktoTopic, topics.dpoPairs().name())) {
            for (ConsumerRecord<byte[], byte[]> r : readCommitted(topic)) {
                TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                List<long[]> rs = ranges.getOrDefault(tp, List.of());
                long last = rs.stream().mapToLong(x -> x[1]).max().orElse(-1);
                int holders = 0;
                for (long[] x : rs) {
                    if (x[0] <= r.offset() && r.offset() <= x[1]) {
                        holders++;
                    }
                }
                offsets++;
                if (r.offset() > last) {
                    beyond++;
                } else if (holders == 0) {
                    inNone++;
                } else if (holders > 1) {
                    inSeveral++;
                }
                if (!topic.equals(ktoTopic) || r.value() == null) {
                    continue;
                }
                KtoExample e = topics.ktoExamples().valueSerde().deserializer().deserialize(topic, r.value());
                // The simulated users rate the driver's responses too: only the driver's own users' votes count.
                if (!e.getResponseId().startsWith("chaos-r-")
                        || !e.getUserId().startsWith(ChaosCluster.TENANT + ":chaos-u-")) {
                    continue;
                }
                if (holders == 0) {
                    notAbsorbed++;
                }
                String pair = e.getResponseId() + "\u0000" + e.getUserId();
                idsPerPair.computeIfAbsent(pair, k -> new TreeSet<>()).add(e.getExampleId());
                recordsPerId.merge(e.getExampleId(), 1, Integer::sum);
                latestLabel.put(e.getExampleId(), e.getLabel());
                pairOfId.put(e.getExampleId(), pair);
            }
        }
        int found = 0;
        int duplicates = 0;
        int wrongLabel = 0;
        for (Map.Entry<String, Boolean> v : expected.entrySet()) {
            Set<String> ids = idsPerPair.get(v.getKey());
            if (ids != null) {
                found++;
            }
        }
        for (Set<String> ids : idsPerPair.values()) {
            duplicates += ids.size() - 1;
        }
        for (Map.Entry<String, Integer> id : recordsPerId.entrySet()) {
            duplicates += id.getValue() - 1;
            Boolean want = expected.get(pairOfId.get(id.getKey()));
            if (want != null && !want.equals(latestLabel.get(id.getKey()))) {
                wrongLabel++;
            }
        }
        int unexpected = (int) idsPerPair.keySet().stream()
                .filter(p -> !expected.containsKey(p))
                .count();
        Examples examples = new Examples(
                expected.size(), found, expected.size() - found, duplicates, wrongLabel, unexpected, notAbsorbed);

        Map<Long, Integer> perNumber = new HashMap<>();
        versions.forEach(v -> perNumber.merge(v.getVersion(), 1, Integer::sum));
        long latest =
                perNumber.keySet().stream().mapToLong(Long::longValue).max().orElse(-1);
        int missing = 0;
        for (long n = 0; n <= latest; n++) {
            if (!perNumber.containsKey(n)) {
                missing++;
            }
        }
        int doubled = (int) perNumber.values().stream().filter(c -> c > 1).count();
        int brokenParents = 0;
        for (PolicyVersion v : versions) {
            Long parent = v.getParentVersion();
            if (v.getVersion() > 0 && (parent == null || parent != v.getVersion() - 1)) {
                brokenParents++;
            }
        }
        int gone = (int)
                seenVersions.stream().filter(n -> !perNumber.containsKey(n)).count();
        return new Result(
                examples,
                new Lineage(offsets, inNone, inSeveral, beyond),
                new Versions(versions.size(), latest, missing, doubled, brokenParents, gone));
    }

    /** Every committed record of {@code topic}, from its beginning to its last stable offset now. */
    private List<ConsumerRecord<byte[], byte[]>> readCommitted(String topic) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrapServers,
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed",
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false),
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> parts = new ArrayList<>();
            for (PartitionInfo info : c.partitionsFor(topic, Duration.ofSeconds(30))) {
                parts.add(new TopicPartition(topic, info.partition()));
            }
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts, Duration.ofSeconds(30));
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end within 120 s");
                }
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
                        out.add(r);
                    }
                }
            }
        }
        return out;
    }
}
