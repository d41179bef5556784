package io.streamrlhf.streams.support;

import io.streamrlhf.schemas.topic.TopicLayout;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.TopicProvisioner;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** What the streams application's integration tests on the embedded broker share: its settings and a producer. */
public final class StreamsItSupport {

    private StreamsItSupport() {}

    /**
     * Settings for an application on the prefixed topics that commits often and labels at once (no settle delay,
     * no per-user rate limit). Mutable, so a test adds its partitions, state directory and monitor port.
     */
    public static Map<String, String> appSettings(String prefix, String bootstrapServers, TopicNames names) {
        Map<String, String> props = new HashMap<>();
        props.put("streams.application.id", prefix + "app");
        props.put("bootstrap.servers", bootstrapServers);
        props.put("streams.commit.interval", "200ms");
        props.put("kto.settle.delay", "0s");
        props.put("kto.user.labels.per.hour", "0");
        props.put("topic.monitor.events", prefix + "monitor.events");
        props.put("topic.responses", names.responses());
        props.put("topic.feedback", names.feedback());
        props.put("topic.preferences", names.preferences());
        props.put("topic.prompts", names.prompts());
        props.put("topic.judge.verdicts", names.judgeVerdicts());
        props.put("topic.kto.examples", names.ktoExamples());
        props.put("topic.dpo.pairs", names.dpoPairs());
        props.put("topic.policy.versions", names.policyVersions());
        props.put("topic.trainer.metrics", names.trainerMetrics());
        props.put("topic.dead.letters", names.deadLetters());
        props.put("topic.schemas", names.schemas());
        props.put("topic.policy.decisions", names.policyDecisions());
        props.put("topic.canary.evidence", names.canaryEvidence());
        return props;
    }

    /**
     * Creates the topics {@code settings} name, as a deployment does before starting the application (which creates
     * none of them), and reports what it found.
     */
    public static TopicProvisioner.Report provisionTopics(String bootstrapServers, Map<String, String> settings) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            return new TopicProvisioner(admin).ensure(TopicLayout.specsFromProperties(settings));
        }
    }

    /** A batching producer of raw bytes, so a test can write well-formed and malformed records alike. */
    public static KafkaProducer<byte[], byte[]> byteProducer(String bootstrapServers) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 10);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        return new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }
}
