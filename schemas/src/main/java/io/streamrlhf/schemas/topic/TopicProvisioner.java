package io.streamrlhf.schemas.topic;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates topics with AdminClient, idempotently: a missing topic is created, an existing one with the right
 * settings is left alone, and an existing one with other settings is reported (never altered, since changing
 * partitions or retention under a running pipeline is a decision for an operator).
 */
public final class TopicProvisioner {

    private static final Logger log = LoggerFactory.getLogger(TopicProvisioner.class);

    /**
     * What provisioning did.
     *
     * @param created topics created now
     * @param unchanged topics that already existed as specified
     * @param mismatches one line per existing topic whose settings differ from the spec
     */
    public record Report(List<String> created, List<String> unchanged, List<String> mismatches) {
        public Report {
            created = List.copyOf(created);
            unchanged = List.copyOf(unchanged);
            mismatches = List.copyOf(mismatches);
        }

        /** Whether every topic now exists as specified. */
        public boolean clean() {
            return mismatches.isEmpty();
        }
    }

    private final Admin admin;

    public TopicProvisioner(Admin admin) {
        this.admin = admin;
    }

    /** Ensures every topic in {@code specs} exists; returns what was created and what differs. */
    public Report ensure(Collection<TopicSpec> specs) {
        try {
            Set<String> existing = admin.listTopics().names().get();
            List<String> created = new ArrayList<>();
            List<NewTopic> toCreate = specs.stream()
                    .filter(s -> !existing.contains(s.name()))
                    .map(s -> new NewTopic(s.name(), s.partitions(), s.replicationFactor()).configs(s.configs()))
                    .toList();
            for (Map.Entry<String, org.apache.kafka.common.KafkaFuture<Void>> e :
                    admin.createTopics(toCreate).values().entrySet()) {
                try {
                    e.getValue().get();
                    created.add(e.getKey());
                } catch (ExecutionException ex) {
                    // Another provisioner raced us; the comparison below still checks its settings.
                    if (!(ex.getCause() instanceof TopicExistsException)) {
                        throw ex;
                    }
                }
            }
            List<TopicSpec> preexisting =
                    specs.stream().filter(s -> !created.contains(s.name())).toList();
            List<String> mismatches = compareWhenVisible(preexisting);
            List<String> unchanged = preexisting.stream()
                    .map(TopicSpec::name)
                    .filter(n -> mismatches.stream().noneMatch(m -> m.startsWith(n + ":")))
                    .toList();
            created.forEach(n -> log.info("Created topic {}", n));
            mismatches.forEach(m -> log.warn("Topic exists with other settings: {}", m));
            return new Report(created, unchanged, mismatches);
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "Topic provisioning failed: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while provisioning topics", e);
        }
    }

    /**
     * A topic created a moment ago (by us or a racing provisioner) may be listed before its partitions are in
     * the broker's metadata; describing it then fails with UnknownTopicOrPartition, so retry for a while.
     */
    private List<String> compareWhenVisible(List<TopicSpec> specs) throws ExecutionException, InterruptedException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                return compare(specs);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)
                        || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(100);
            }
        }
    }

    private List<String> compare(List<TopicSpec> specs) throws ExecutionException, InterruptedException {
        if (specs.isEmpty()) {
            return List.of();
        }
        Map<String, TopicDescription> descriptions = admin.describeTopics(
                        specs.stream().map(TopicSpec::name).toList())
                .allTopicNames()
                .get();
        Map<ConfigResource, Config> configs = admin.describeConfigs(specs.stream()
                        .map(s -> new ConfigResource(ConfigResource.Type.TOPIC, s.name()))
                        .toList())
                .all()
                .get();
        List<String> mismatches = new ArrayList<>();
        for (TopicSpec spec : specs) {
            List<String> problems = new ArrayList<>();
            TopicDescription description = descriptions.get(spec.name());
            int partitions = description.partitions().size();
            if (partitions != spec.partitions()) {
                problems.add("partitions " + partitions + " (expected " + spec.partitions() + ")");
            }
            int replicas = description.partitions().get(0).replicas().size();
            if (replicas != spec.replicationFactor()) {
                problems.add("replication factor " + replicas + " (expected " + spec.replicationFactor() + ")");
            }
            Config config = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, spec.name()));
            Map<String, String> actual = config.entries().stream()
                    .collect(Collectors.toMap(ConfigEntry::name, e -> String.valueOf(e.value())));
            spec.configs().forEach((key, expected) -> {
                if (!expected.equals(actual.get(key))) {
                    problems.add(key + "=" + actual.get(key) + " (expected " + expected + ")");
                }
            });
            if (!problems.isEmpty()) {
                mismatches.add(spec.name() + ": " + String.join(", ", problems));
            }
        }
        return mismatches;
    }
}
