package io.streamrlhf.app.config;

import io.streamrlhf.app.dashboard.DashboardKeys;
import io.streamrlhf.app.registry.RegistryKeys;
import io.streamrlhf.app.security.SecurityKeys;
import io.streamrlhf.config.ClusterSettings;
import io.streamrlhf.config.KeyCatalog;
import io.streamrlhf.config.Setting;
import io.streamrlhf.localstack.stack.StackKeys;
import io.streamrlhf.producers.config.ProducerKeys;
import io.streamrlhf.schemas.topic.TopicSettings;
import io.streamrlhf.streams.config.StreamsKeys;
import io.streamrlhf.trainer.config.TrainerKeys;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Every key the {@code streamrlhf} command accepts: each module's key list, and the Kafka client configs that
 * the {@code kafka.*} / {@code <component>.kafka.*} passthrough may carry, as the Kafka clients define them.
 */
public final class KnownSettings {

    private KnownSettings() {}

    /** The key lists by section, in the order {@code docs/configuration.md} shows them. */
    public static Map<String, List<Setting<?>>> sections() {
        Map<String, List<Setting<?>>> sections = new LinkedHashMap<>();
        sections.put("Cluster (every component)", ClusterSettings.ALL);
        sections.put("Command line and local stack", concat(AppKeys.ALL, StackKeys.ALL));
        sections.put("Topics", TopicSettings.ALL);
        sections.put("Streams", StreamsKeys.ALL);
        sections.put("Trainer", TrainerKeys.ALL);
        sections.put("Producers: clients, gateway, users, prompts, sampler", ProducerKeys.ALL);
        sections.put("Dashboard", DashboardKeys.ALL);
        sections.put("Kafka security (acls, --secure)", SecurityKeys.ALL);
        sections.put("Standalone schema registry (streamrlhf registry)", RegistryKeys.ALL);
        return sections;
    }

    /** The catalog of every key. */
    public static KeyCatalog catalog() {
        List<Setting<?>> all = new ArrayList<>();
        sections().values().forEach(all::addAll);
        return new KeyCatalog(all, kafkaConfigNames());
    }

    /**
     * Producer, consumer, admin and streams config names, plus the streams prefixes that address one of its
     * clients ({@code producer.linger.ms}, {@code main.consumer.max.poll.records}, ...).
     */
    public static Set<String> kafkaConfigNames() {
        Set<String> clients = new TreeSet<>();
        clients.addAll(ProducerConfig.configNames());
        clients.addAll(ConsumerConfig.configNames());
        clients.addAll(AdminClientConfig.configNames());
        Set<String> names = new TreeSet<>(clients);
        names.addAll(StreamsConfig.configDef().names());
        for (String prefix : List.of(
                StreamsConfig.PRODUCER_PREFIX,
                StreamsConfig.CONSUMER_PREFIX,
                StreamsConfig.MAIN_CONSUMER_PREFIX,
                StreamsConfig.RESTORE_CONSUMER_PREFIX,
                StreamsConfig.GLOBAL_CONSUMER_PREFIX,
                StreamsConfig.ADMIN_CLIENT_PREFIX)) {
            clients.forEach(n -> names.add(prefix + n));
        }
        return names;
    }

    private static List<Setting<?>> concat(List<Setting<?>> a, List<Setting<?>> b) {
        List<Setting<?>> out = new ArrayList<>(a);
        out.addAll(b);
        return List.copyOf(out);
    }
}
