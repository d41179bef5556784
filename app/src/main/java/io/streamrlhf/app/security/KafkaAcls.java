package io.streamrlhf.app.security;

import io.streamrlhf.app.dashboard.DashboardConfig;
import io.streamrlhf.app.dashboard.DashboardKeys;
import io.streamrlhf.localstack.registry.KafkaBackedSchemaRegistry;
import io.streamrlhf.producers.config.ProducerKeys;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.TopicSettings;
import io.streamrlhf.streams.config.StreamsKeys;
import io.streamrlhf.trainer.checkpoint.CheckpointStoreConfig;
import io.streamrlhf.trainer.config.TrainerConfig;
import io.streamrlhf.trainer.config.TrainerConfigFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The least-privilege ACLs of the pipeline, one principal per component ({@link ComponentPrincipal}), derived
 * from the same settings the components read (topic names, group ids, transactional ids, the streams
 * application id), so that renaming a topic or a group renames its grant.
 *
 * <p>Only {@code ALLOW} entries: with {@code allow.everyone.if.no.acl.found=false} (the default of Kafka's
 * {@code StandardAuthorizer}) everything not granted is denied. {@code READ} and {@code WRITE} imply
 * {@code DESCRIBE} in Kafka, so it is granted on its own only where nothing else is. The admin principal gets
 * no ACL: it is a super user of the cluster.
 */
public final class KafkaAcls {

    /** The cluster resource's one name. */
    static final String CLUSTER = "kafka-cluster";

    /**
     * One row of the table: {@code principal} may do {@code operations} on the resource.
     *
     * @param component who ({@link ComponentPrincipal#component()})
     * @param principal {@code User:<name>}
     * @param type topic, group, transactional id or cluster
     * @param pattern literal name or prefix
     * @param name the resource's name or prefix
     * @param operations what is allowed
     */
    public record Grant(
            String component,
            String principal,
            ResourceType type,
            PatternType pattern,
            String name,
            List<AclOperation> operations) {

        public Grant {
            operations = List.copyOf(operations);
        }

        /** This row as Kafka ACL bindings, one per operation, from any host. */
        public List<AclBinding> bindings() {
            ResourcePattern resource = new ResourcePattern(type, name, pattern);
            return operations.stream()
                    .map(op -> new AclBinding(
                            resource, new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW)))
                    .toList();
        }
    }

    private final List<Grant> grants;

    private KafkaAcls(List<Grant> grants) {
        this.grants = List.copyOf(grants);
    }

    /** The ACLs for the components configured by {@code props} (defaults where unset). */
    public static KafkaAcls forSettings(Map<String, String> props) {
        String prefix = SecurityKeys.PRINCIPAL_PREFIX.get(props);
        TopicNames t = TopicNames.fromProperties(props);
        String monitorEvents = TopicSettings.MONITOR_EVENTS.get(props);
        Builder b = new Builder(prefix);

        // Streams: the validated inputs in (the canary controller also reads verdicts and policy versions), examples,
        // verdicts, dead letters, canary decisions and evidence, and monitor events out; its own
        // repartition and changelog topics, group and transactional ids all start with the application id.
        String appId = StreamsKeys.APPLICATION_ID.get(props);
        b.of(ComponentPrincipal.STREAMS)
                .topics(
                        List.of(
                                t.responses(),
                                t.feedback(),
                                t.preferences(),
                                t.prompts(),
                                t.erasures(),
                                t.policyVersions()),
                        AclOperation.READ)
                .topics(List.of(t.judgeVerdicts()), AclOperation.READ, AclOperation.WRITE)
                .topics(
                        List.of(
                                t.ktoExamples(),
                                t.dpoPairs(),
                                t.deadLetters(),
                                t.policyDecisions(),
                                t.canaryEvidence()),
                        AclOperation.WRITE)
                .topics(List.of(monitorEvents), AclOperation.READ, AclOperation.WRITE)
                .grant(ResourceType.TOPIC, PatternType.PREFIXED, appId, AclOperation.ALL)
                .grant(ResourceType.GROUP, PatternType.PREFIXED, appId, AclOperation.READ)
                .grant(
                        ResourceType.TRANSACTIONAL_ID,
                        PatternType.PREFIXED,
                        appId,
                        AclOperation.WRITE,
                        AclOperation.DESCRIBE)
                .idempotentWrite();

        // Trainer: examples, versions and canary decisions (no group) in (its group commits offsets inside the
        // publishing transaction), versions and metrics out.
        TrainerConfig trainer = TrainerConfigFactory.fromProperties(withBootstrap(props));
        b.of(ComponentPrincipal.TRAINER)
                .topics(List.of(t.ktoExamples(), t.dpoPairs(), t.policyDecisions()), AclOperation.READ)
                .topics(List.of(t.policyVersions()), AclOperation.READ, AclOperation.WRITE)
                .topics(List.of(t.trainerMetrics()), AclOperation.WRITE)
                .grant(ResourceType.GROUP, PatternType.LITERAL, trainer.groupId(), AclOperation.READ)
                .grant(
                        ResourceType.TRANSACTIONAL_ID,
                        PatternType.LITERAL,
                        trainer.transactionalId(),
                        AclOperation.WRITE,
                        AclOperation.DESCRIBE)
                .idempotentWrite();
        boolean kafkaStore = trainer.checkpointStore().kind() == CheckpointStoreConfig.Kind.KAFKA;
        if (kafkaStore) {
            // The kafka checkpoint store: chunks written in the publish transaction and read back on restart, and
            // the canary decisions its retention keeps promoted versions by.
            b.of(ComponentPrincipal.TRAINER)
                    .topics(List.of(t.policyCheckpoints()), AclOperation.READ, AclOperation.WRITE)
                    .topics(List.of(t.policyDecisions()), AclOperation.READ);
        }

        // Sampler: prompts, policy versions and canary decisions in, responses out, transactionally.
        b.of(ComponentPrincipal.SAMPLER)
                .topics(List.of(t.prompts(), t.policyVersions(), t.policyDecisions()), AclOperation.READ)
                .topics(List.of(t.responses()), AclOperation.WRITE)
                .grant(
                        ResourceType.GROUP,
                        PatternType.LITERAL,
                        ProducerKeys.SAMPLER_GROUP_ID.get(props),
                        AclOperation.READ)
                .grant(
                        ResourceType.TRANSACTIONAL_ID,
                        PatternType.LITERAL,
                        ProducerKeys.SAMPLER_TRANSACTIONAL_ID.get(props),
                        AclOperation.WRITE,
                        AclOperation.DESCRIBE)
                .idempotentWrite();
        if (kafkaStore) {
            b.of(ComponentPrincipal.SAMPLER).topics(List.of(t.policyCheckpoints()), AclOperation.READ);
        }

        // Gateway: writes what clients send, tails responses (no group) to check response ids, follows canary
        // decisions (no group) to answer GET /v1/policy and erasure reports (no group) to answer
        // GET /v1/users/{id}/erasure.
        b.of(ComponentPrincipal.GATEWAY)
                .topics(List.of(t.responses()), AclOperation.READ, AclOperation.WRITE)
                .topics(List.of(t.policyVersions(), t.policyDecisions(), t.erasureReports()), AclOperation.READ)
                .topics(List.of(t.feedback(), t.preferences(), t.erasures()), AclOperation.WRITE)
                .idempotentWrite();

        // Simulated users: read responses in their group, write feedback and preferences.
        b.of(ComponentPrincipal.USERS)
                .topics(List.of(t.responses()), AclOperation.READ)
                .topics(List.of(t.feedback(), t.preferences()), AclOperation.WRITE)
                .grant(
                        ResourceType.GROUP,
                        PatternType.LITERAL,
                        ProducerKeys.USERS_GROUP_ID.get(props),
                        AclOperation.READ)
                .idempotentWrite();

        // Erasure reporter: erasure requests in its group (offsets committed inside the reporting transaction),
        // examples and versions scanned without a group, reports out.
        b.of(ComponentPrincipal.ERASURES)
                .topics(List.of(t.erasures(), t.ktoExamples(), t.dpoPairs(), t.policyVersions()), AclOperation.READ)
                .topics(List.of(t.erasureReports()), AclOperation.WRITE)
                .grant(
                        ResourceType.GROUP,
                        PatternType.LITERAL,
                        ProducerKeys.ERASURES_GROUP_ID.get(props),
                        AclOperation.READ)
                .grant(
                        ResourceType.TRANSACTIONAL_ID,
                        PatternType.LITERAL,
                        ProducerKeys.ERASURES_TRANSACTIONAL_ID.get(props),
                        AclOperation.WRITE,
                        AclOperation.DESCRIBE)
                .idempotentWrite();

        b.of(ComponentPrincipal.PROMPTS)
                .topics(List.of(t.prompts()), AclOperation.WRITE)
                .idempotentWrite();

        // Standalone registry (streamrlhf registry): creates, checks, reads and writes its own log, transactionally
        // (the transactional id fences an older instance on the same log); it reads without a group.
        b.of(ComponentPrincipal.REGISTRY)
                .grant(
                        ResourceType.TOPIC,
                        PatternType.LITERAL,
                        t.schemas(),
                        AclOperation.CREATE,
                        AclOperation.READ,
                        AclOperation.WRITE,
                        AclOperation.DESCRIBE_CONFIGS)
                .grant(
                        ResourceType.TRANSACTIONAL_ID,
                        PatternType.LITERAL,
                        KafkaBackedSchemaRegistry.transactionalId(t.schemas()),
                        AclOperation.WRITE,
                        AclOperation.DESCRIBE)
                .idempotentWrite();

        // Dashboard: reads versions, metrics, dead letters and canary decisions and evidence without a group; sees
        // offsets of every topic and the committed offsets of the watched groups, and writes nothing.
        String groups = DashboardKeys.GROUPS.get(props);
        b.of(ComponentPrincipal.DASHBOARD)
                .topics(
                        List.of(
                                t.policyVersions(),
                                t.trainerMetrics(),
                                t.deadLetters(),
                                t.policyDecisions(),
                                t.canaryEvidence()),
                        AclOperation.READ)
                .topics(
                        List.of(
                                t.responses(),
                                t.feedback(),
                                t.preferences(),
                                t.prompts(),
                                t.judgeVerdicts(),
                                t.ktoExamples(),
                                t.dpoPairs()),
                        AclOperation.DESCRIBE);
        if (groups.equals(DashboardConfig.ALL_GROUPS)) {
            b.grant(ResourceType.GROUP, PatternType.LITERAL, "*", AclOperation.DESCRIBE);
        } else {
            for (String group :
                    Arrays.stream(groups.split(",")).map(String::trim).toList()) {
                b.grant(ResourceType.GROUP, PatternType.LITERAL, group, AclOperation.DESCRIBE);
            }
        }
        return new KafkaAcls(b.grants);
    }

    private static Map<String, String> withBootstrap(Map<String, String> props) {
        // The trainer's config needs an address to be valid; its ids do not depend on it.
        Map<String, String> p = new HashMap<>(props);
        p.putIfAbsent("bootstrap.servers", "127.0.0.1:9092");
        return p;
    }

    /** Every row, in table order. */
    public List<Grant> grants() {
        return grants;
    }

    /** Every row as Kafka ACL bindings. */
    public List<AclBinding> bindings() {
        return grants.stream().flatMap(g -> g.bindings().stream()).toList();
    }

    /** The rows of one component. */
    public List<Grant> of(ComponentPrincipal component) {
        return grants.stream()
                .filter(g -> g.component().equals(component.component()))
                .toList();
    }

    /**
     * The table as {@code streamrlhf acls} prints it and {@code docs/security-kafka.md} shows it: one line per
     * row, columns aligned, with the admin's super-user line last.
     */
    public String table(String prefix) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"COMPONENT", "PRINCIPAL", "RESOURCE", "PATTERN", "NAME", "OPERATIONS"});
        for (Grant g : grants) {
            rows.add(new String[] {
                g.component(),
                g.principal(),
                g.type().name(),
                g.pattern().name(),
                g.name(),
                String.join(",", g.operations().stream().map(AclOperation::name).toList())
            });
        }
        rows.add(new String[] {
            ComponentPrincipal.ADMIN.component(),
            "User:" + ComponentPrincipal.ADMIN.userName(prefix),
            "(super user)",
            "-",
            "-",
            "creates topics and ACLs"
        });
        int[] width = new int[6];
        rows.forEach(r -> {
            for (int i = 0; i < r.length; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        });
        StringBuilder out = new StringBuilder();
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < r.length; i++) {
                line.append(i == r.length - 1 ? r[i] : String.format("%-" + width[i] + "s  ", r[i]));
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
        return out.toString();
    }

    private static final class Builder {
        private final String prefix;
        private final List<Grant> grants = new ArrayList<>();
        private ComponentPrincipal current;

        Builder(String prefix) {
            this.prefix = prefix;
        }

        Builder of(ComponentPrincipal component) {
            current = component;
            return this;
        }

        Builder topics(List<String> names, AclOperation... ops) {
            names.forEach(n -> grant(ResourceType.TOPIC, PatternType.LITERAL, n, ops));
            return this;
        }

        Builder idempotentWrite() {
            return grant(ResourceType.CLUSTER, PatternType.LITERAL, CLUSTER, AclOperation.IDEMPOTENT_WRITE);
        }

        Builder grant(ResourceType type, PatternType pattern, String name, AclOperation... ops) {
            grants.add(new Grant(
                    current.component(), "User:" + current.userName(prefix), type, pattern, name, List.of(ops)));
            return this;
        }
    }
}
