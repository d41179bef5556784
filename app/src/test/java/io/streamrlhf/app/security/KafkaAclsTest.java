package io.streamrlhf.app.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

/** Each component's principal is allowed what its clients do and nothing that belongs to another component. */
class KafkaAclsTest {

    private static final KafkaAcls DEFAULTS = KafkaAcls.forSettings(Map.of());

    @Test
    void onlyTheTrainerPublishesPolicyVersions() {
        assertThat(allowed(
                        DEFAULTS,
                        "User:streamrlhf-trainer",
                        ResourceType.TOPIC,
                        "rlhf.policy.versions",
                        AclOperation.WRITE))
                .isTrue();
        for (String other : List.of("streams", "sampler", "gateway", "users", "prompts", "dashboard")) {
            assertThat(allowed(
                            DEFAULTS,
                            "User:streamrlhf-" + other,
                            ResourceType.TOPIC,
                            "rlhf.policy.versions",
                            AclOperation.WRITE))
                    .as(other)
                    .isFalse();
        }
    }

    @Test
    void withTheKafkaCheckpointStoreOnlyTheTrainerWritesCheckpointsAndTheSamplerReadsThem() {
        KafkaAcls kafkaStore = KafkaAcls.forSettings(Map.of("trainer.checkpoint.store", "kafka"));
        String topic = "rlhf.policy.checkpoints";
        assertThat(allowed(kafkaStore, "User:streamrlhf-trainer", ResourceType.TOPIC, topic, AclOperation.WRITE))
                .isTrue();
        assertThat(allowed(kafkaStore, "User:streamrlhf-trainer", ResourceType.TOPIC, topic, AclOperation.READ))
                .isTrue();
        assertThat(allowed(
                        kafkaStore,
                        "User:streamrlhf-trainer",
                        ResourceType.TOPIC,
                        "rlhf.policy.decisions",
                        AclOperation.READ))
                .isTrue();
        assertThat(allowed(kafkaStore, "User:streamrlhf-sampler", ResourceType.TOPIC, topic, AclOperation.READ))
                .isTrue();
        for (String other : List.of("streams", "sampler", "gateway", "users", "prompts", "dashboard")) {
            assertThat(allowed(kafkaStore, "User:streamrlhf-" + other, ResourceType.TOPIC, topic, AclOperation.WRITE))
                    .as(other)
                    .isFalse();
        }
        // with the file store nobody is granted the topic at all
        assertThat(allowed(DEFAULTS, "User:streamrlhf-sampler", ResourceType.TOPIC, topic, AclOperation.READ))
                .isFalse();
    }

    @Test
    void onlyStreamsWritesTrainingExamples() {
        for (String topic : List.of("rlhf.examples.kto", "rlhf.examples.dpo")) {
            assertThat(allowed(DEFAULTS, "User:streamrlhf-streams", ResourceType.TOPIC, topic, AclOperation.WRITE))
                    .isTrue();
            for (String other : List.of("trainer", "sampler", "gateway", "users", "prompts", "dashboard")) {
                assertThat(allowed(DEFAULTS, "User:streamrlhf-" + other, ResourceType.TOPIC, topic, AclOperation.WRITE))
                        .as(other + " on " + topic)
                        .isFalse();
            }
        }
    }

    @Test
    void streamsOwnsTopicsGroupAndTransactionsUnderItsApplicationId() {
        KafkaAcls acls = KafkaAcls.forSettings(Map.of("streams.application.id", "prod-streams"));
        String streams = "User:streamrlhf-streams";
        assertThat(allowed(
                        acls,
                        streams,
                        ResourceType.TOPIC,
                        "prod-streams-kto-join-store-changelog",
                        AclOperation.CREATE))
                .isTrue();
        assertThat(allowed(acls, streams, ResourceType.GROUP, "prod-streams", AclOperation.READ))
                .isTrue();
        assertThat(allowed(acls, streams, ResourceType.TRANSACTIONAL_ID, "prod-streams-3f2a-1", AclOperation.WRITE))
                .isTrue();
        assertThat(allowed(acls, streams, ResourceType.TOPIC, "other-app-changelog", AclOperation.CREATE))
                .isFalse();
    }

    @Test
    void grantsFollowRenamedTopicsGroupsAndPrefix() {
        KafkaAcls acls = KafkaAcls.forSettings(Map.of(
                "topic.policy.versions", "prod.versions",
                "trainer.model.id", "chat",
                "sampler.group.id", "samplers-eu",
                "acls.principal.prefix", "prod-"));
        assertThat(allowed(acls, "User:prod-trainer", ResourceType.TOPIC, "prod.versions", AclOperation.WRITE))
                .isTrue();
        assertThat(allowed(acls, "User:prod-trainer", ResourceType.GROUP, "streamrlhf-trainer-chat", AclOperation.READ))
                .isTrue();
        assertThat(allowed(
                        acls,
                        "User:prod-trainer",
                        ResourceType.TRANSACTIONAL_ID,
                        "streamrlhf-trainer-chat",
                        AclOperation.WRITE))
                .isTrue();
        assertThat(allowed(acls, "User:prod-sampler", ResourceType.GROUP, "samplers-eu", AclOperation.READ))
                .isTrue();
        assertThat(allowed(acls, "User:prod-sampler", ResourceType.GROUP, "streamrlhf-sampler", AclOperation.READ))
                .isFalse();
        assertThat(allowed(acls, "User:streamrlhf-trainer", ResourceType.TOPIC, "prod.versions", AclOperation.WRITE))
                .isFalse();
    }

    @Test
    void dashboardReadsButWritesNothing() {
        assertThat(allowed(
                        DEFAULTS,
                        "User:streamrlhf-dashboard",
                        ResourceType.TOPIC,
                        "rlhf.trainer.metrics",
                        AclOperation.READ))
                .isTrue();
        // The canary panel reads the decisions and the running canaries' statistics, which the streams write.
        assertThat(allowed(
                        DEFAULTS,
                        "User:streamrlhf-dashboard",
                        ResourceType.TOPIC,
                        "rlhf.policy.decisions",
                        AclOperation.READ))
                .isTrue();
        assertThat(allowed(
                        DEFAULTS,
                        "User:streamrlhf-dashboard",
                        ResourceType.TOPIC,
                        "rlhf.policy.canary.evidence",
                        AclOperation.READ))
                .isTrue();
        assertThat(allowed(
                        DEFAULTS,
                        "User:streamrlhf-streams",
                        ResourceType.TOPIC,
                        "rlhf.policy.canary.evidence",
                        AclOperation.WRITE))
                .isTrue();
        assertThat(DEFAULTS.of(ComponentPrincipal.DASHBOARD))
                .allSatisfy(g -> assertThat(g.operations())
                        .containsAnyOf(AclOperation.READ, AclOperation.DESCRIBE)
                        .doesNotContain(AclOperation.WRITE, AclOperation.ALL, AclOperation.IDEMPOTENT_WRITE));
    }

    @Test
    void tableHasAHeaderARowPerGrantAndTheSuperUser() {
        List<String> lines = DEFAULTS.table("streamrlhf-").lines().toList();
        assertThat(lines.get(0)).startsWith("COMPONENT").contains("PRINCIPAL", "RESOURCE", "OPERATIONS");
        assertThat(lines).hasSize(DEFAULTS.grants().size() + 2);
        assertThat(lines)
                .anyMatch(
                        l -> l.matches(
                                "trainer\\s+User:streamrlhf-trainer\\s+TOPIC\\s+LITERAL\\s+rlhf\\.policy\\.versions\\s+READ,WRITE"))
                .anyMatch(l ->
                        l.startsWith("admin") && l.contains("User:streamrlhf-admin") && l.contains("(super user)"));
    }

    /**
     * Whether an ALLOW binding of {@code acls} matches, as Kafka's authorizer reads them: a literal name or
     * {@code *}, or a prefix; {@code ALL} allows everything.
     */
    private static boolean allowed(KafkaAcls acls, String principal, ResourceType type, String name, AclOperation op) {
        for (AclBinding b : acls.bindings()) {
            boolean resource = b.pattern().resourceType() == type
                    && (b.pattern().patternType() == PatternType.PREFIXED
                            ? name.startsWith(b.pattern().name())
                            : b.pattern().name().equals(name)
                                    || b.pattern().name().equals("*"));
            if (resource
                    && b.entry().principal().equals(principal)
                    && (b.entry().operation() == op || b.entry().operation() == AclOperation.ALL)) {
                return true;
            }
        }
        return false;
    }
}
