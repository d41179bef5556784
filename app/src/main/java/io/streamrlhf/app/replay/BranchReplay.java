package io.streamrlhf.app.replay;

import io.streamrlhf.config.ClusterSettings;
import io.streamrlhf.config.Settings;
import io.streamrlhf.schemas.registry.SchemaRegistryClient;
import io.streamrlhf.schemas.topic.TopicLayout;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.TopicProvisioner;
import io.streamrlhf.schemas.topic.TopicSettings;
import io.streamrlhf.schemas.topic.TopicSpec;
import io.streamrlhf.schemas.topic.Topics;
import io.streamrlhf.streams.config.StreamsAppConfig;
import io.streamrlhf.streams.config.StreamsKeys;
import io.streamrlhf.streams.replay.BoundedReplay;
import io.streamrlhf.streams.replay.ReplayStart;
import io.streamrlhf.trainer.config.TrainerConfig;
import io.streamrlhf.trainer.config.TrainerConfigFactory;
import io.streamrlhf.trainer.config.TrainerKeys;
import io.streamrlhf.trainer.loop.OnlineTrainer;
import io.streamrlhf.trainer.publish.PublishHooks;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A replay into a branch: provisions the branch's topics (the originals' settings under
 * {@code rlhf.branch.<name>.}), runs {@link BoundedReplay} as the application {@code streamrlhf-replay-<name>},
 * then trains the branch model {@code <modelId>@<name>} from a version of the main model on the branch's examples.
 * The settings given (with their {@code --set} overrides of judges, rules and losses) apply to both.
 */
public final class BranchReplay {

    /**
     * What to replay.
     *
     * @param branch the branch name ({@link TopicNames#requireBranchName})
     * @param from where the event topics are read from
     * @param baseVersion the main model's version the branch trains from; empty for its latest promoted version when
     *     the main model has canary decisions ({@link PromotedBase}), else its latest committed version
     * @param train whether to train the branch model after the replay
     * @param follow whether the trainer keeps training (until stopped) rather than stopping at the topics' end
     * @param timeout how long the streams replay may take
     */
    public record Options(
            String branch,
            ReplayStart from,
            OptionalLong baseVersion,
            boolean train,
            boolean follow,
            Duration timeout) {
        public Options {
            TopicNames.requireBranchName(branch);
        }
    }

    private final Map<String, String> props;
    private final SchemaRegistryClient registry;

    /**
     * @param props the resolved settings of the main pipeline, overrides included
     * @param registry the schema registry
     */
    public BranchReplay(Map<String, String> props, SchemaRegistryClient registry) {
        this.props = Map.copyOf(props);
        this.registry = registry;
    }

    /** The application id of {@code branch}'s replay: {@code streamrlhf-replay-<branch>}. */
    public static String applicationId(String branch) {
        return "streamrlhf-replay-" + TopicNames.requireBranchName(branch);
    }

    /**
     * The settings of {@code branch}: its application id, output topics, model id, and no canary, monitor endpoint
     * or static membership (a batch); the trainer's group and transactional ids follow the branch's model id.
     */
    public static Map<String, String> branchSettings(Map<String, String> props, String branch) {
        Map<String, String> b = new HashMap<>(props);
        TopicNames names = TopicNames.fromProperties(props).branch(branch);
        b.put(StreamsKeys.APPLICATION_ID.name(), applicationId(branch));
        b.put(TopicSettings.JUDGE_VERDICTS.name(), names.judgeVerdicts());
        b.put(TopicSettings.KTO_EXAMPLES.name(), names.ktoExamples());
        b.put(TopicSettings.DPO_PAIRS.name(), names.dpoPairs());
        b.put(TopicSettings.DEAD_LETTERS.name(), names.deadLetters());
        b.put(TopicSettings.POLICY_DECISIONS.name(), names.policyDecisions());
        b.put(TopicSettings.MONITOR_EVENTS.name(), TopicNames.branchMonitorEvents(branch));
        b.put(StreamsKeys.CANARY_ENABLED.name(), "false");
        b.put(StreamsKeys.MONITOR_HTTP_PORT.name(), "-1");
        b.remove(StreamsKeys.INSTANCE_ID.name());
        b.put(TrainerKeys.MODEL_ID.name(), TrainerConfig.branchModelId(TrainerKeys.MODEL_ID.get(props), branch));
        // Ids set for the main trainer would fence it or share its offsets: the branch derives its own.
        b.remove(TrainerKeys.GROUP_ID.name());
        b.remove(TrainerKeys.TRANSACTIONAL_ID.name());
        return b;
    }

    /** The specs of {@code branch}'s own topics: those of the originals they stand for, renamed. */
    public static List<TopicSpec> branchTopicSpecs(Map<String, String> props, String branch) {
        Map<String, String> b = branchSettings(props, branch);
        String prefix = TopicNames.branchPrefix(branch);
        return TopicLayout.specsFromProperties(b).stream()
                .filter(s -> s.name().startsWith(prefix))
                .toList();
    }

    /**
     * Provisions the branch's topics, replays, prints a summary line per topic, then (unless {@code options.train()}
     * is false) trains the branch model, printing one more line.
     *
     * @param onTrainer told the branch trainer before it runs (so that a shutdown hook can stop a follower)
     * @return the process exit code: 0
     */
    public int run(Options options, PrintWriter out, Consumer<OnlineTrainer> onTrainer) throws InterruptedException {
        Map<String, String> b = branchSettings(props, options.branch());
        TopicNames names = TopicNames.fromProperties(b);
        List<TopicSpec> specs = branchTopicSpecs(props, options.branch());
        try (Admin admin = Admin.create(adminProperties(b))) {
            TopicProvisioner.Report report = new TopicProvisioner(admin).ensure(specs);
            report.mismatches().forEach(m -> out.println("  WARNING topic differs: " + m));
        }
        BoundedReplay.Result result =
                new BoundedReplay(StreamsAppConfig.fromProperties(b, registry)).run(options.from(), options.timeout());
        for (String input : List.of(names.responses(), names.feedback(), names.preferences(), names.prompts())) {
            out.println("replayed " + input + ": " + result.offsetsRead(input) + " offsets");
        }
        for (TopicSpec spec : specs) {
            out.println("wrote " + spec.name() + ": " + countRecords(b, spec.name()) + " records");
        }
        out.flush();
        if (options.train()) {
            TrainerConfig config = TrainerConfigFactory.fromProperties(b);
            String mainModel = TrainerKeys.MODEL_ID.get(props);
            OptionalLong base = options.baseVersion();
            if (base.isEmpty()) {
                // With canaries on, the main model's own decisions topic says which version its users are served.
                base = PromotedBase.read(
                        config.bootstrapServers(),
                        config.kafkaOverrides(),
                        new Topics(TopicNames.fromProperties(props), registry).policyDecisions(),
                        mainModel,
                        Duration.ofSeconds(60));
                base.ifPresent(v -> out.println("base version " + v + ": the latest promoted version of " + mainModel));
            }
            OnlineTrainer trainer = new OnlineTrainer(config, new Topics(names, registry), PublishHooks.NONE)
                    .branchFrom(new OnlineTrainer.BranchBase(mainModel, base));
            if (!options.follow()) {
                trainer.stopAtEnd();
            }
            onTrainer.accept(trainer);
            trainer.run();
            OnlineTrainer.Stats stats = trainer.stats();
            out.println("trained " + config.modelId() + ": " + stats.versionsPublished() + " versions published, "
                    + stats.steps() + " steps, latest version " + trainer.currentVersion());
        }
        out.flush();
        return 0;
    }

    /** Committed records of {@code topic} (transaction markers and aborted records not counted). */
    static long countRecords(Map<String, String> settings, String topic) {
        Map<String, Object> p = new HashMap<>(Settings.kafkaOverrides(settings, "topics"));
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, ClusterSettings.BOOTSTRAP_SERVERS.get(settings));
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(60))) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(60));
            long count = 0;
            long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not count " + topic + " within 5 minutes");
                }
                count += consumer.poll(Duration.ofMillis(200)).count();
            }
            return count;
        }
    }

    private static Map<String, Object> adminProperties(Map<String, String> settings) {
        Map<String, Object> admin = new HashMap<>(Settings.kafkaOverrides(settings, "topics"));
        admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, ClusterSettings.BOOTSTRAP_SERVERS.get(settings));
        return admin;
    }
}
