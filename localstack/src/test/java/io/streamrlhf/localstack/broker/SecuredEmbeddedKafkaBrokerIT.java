package io.streamrlhf.localstack.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The secured embedded broker: SASL_SSL with SCRAM-SHA-512 against certificates made at start, and the
 * StandardAuthorizer, so that a user writes only where an ACL lets it and a wrong password or a plaintext client
 * gets nowhere.
 */
class SecuredEmbeddedKafkaBrokerIT {

    private static final String TOPIC = "secured.topic";
    private static EmbeddedKafkaBroker broker;

    @BeforeAll
    static void start() throws Exception {
        broker = EmbeddedKafkaBroker.secured("admin", List.of("alice", "bob")).start();
        try (Admin admin = Admin.create(broker.adminProperties())) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
            admin.createAcls(List.of(new AclBinding(
                            new ResourcePattern(ResourceType.TOPIC, TOPIC, PatternType.LITERAL),
                            new AccessControlEntry("User:alice", "*", AclOperation.WRITE, AclPermissionType.ALLOW))))
                    .all()
                    .get();
        }
    }

    @AfterAll
    static void stop() {
        broker.close();
    }

    @Test
    void userWithAWriteAclWritesOverTls() throws Exception {
        try (KafkaProducer<String, String> producer =
                producer(broker.security().orElseThrow().clientProperties("alice"))) {
            assertThat(producer.send(new ProducerRecord<>(TOPIC, "k", "v"))
                            .get()
                            .offset())
                    .isGreaterThanOrEqualTo(0);
        }
    }

    @Test
    void userWithoutAnAclIsDeniedTheTopic() {
        try (KafkaProducer<String, String> producer =
                producer(broker.security().orElseThrow().clientProperties("bob"))) {
            assertThatThrownBy(() ->
                            producer.send(new ProducerRecord<>(TOPIC, "k", "v")).get())
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
        }
    }

    @Test
    void wrongPasswordFailsAuthentication() {
        Map<String, String> props =
                new HashMap<>(broker.security().orElseThrow().clientProperties("alice"));
        props.put("sasl.jaas.config", BrokerSecurity.scramJaas("alice", "not-the-password"));
        try (KafkaProducer<String, String> producer = producer(props)) {
            assertThatThrownBy(() ->
                            producer.send(new ProducerRecord<>(TOPIC, "k", "v")).get())
                    .hasRootCauseInstanceOf(SaslAuthenticationException.class);
        }
    }

    @Test
    void plaintextClientGetsNoMetadata() {
        try (Admin admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.bootstrapServers(),
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                3000,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                2000))) {
            assertThatThrownBy(() -> admin.listTopics().names().get()).isInstanceOf(ExecutionException.class);
        }
    }

    @Test
    void persistentSecuredBrokerKeepsItsCredentialsAndCertificateAcrossARestart(@TempDir Path dir) throws Exception {
        BrokerSecurity first = BrokerSecurity.loadOrCreate(dir.resolve("security"), "admin", List.of("carol"));
        EmbeddedKafkaBroker persistent = EmbeddedKafkaBroker.persistent(dir.resolve("kafka"), Map.of(), first)
                .start();
        try {
            try (Admin admin = Admin.create(persistent.adminProperties())) {
                admin.createTopics(List.of(new NewTopic("kept", 1, (short) 1)))
                        .all()
                        .get();
                admin.createAcls(List.of(new AclBinding(
                                new ResourcePattern(ResourceType.TOPIC, "kept", PatternType.LITERAL),
                                new AccessControlEntry(
                                        "User:carol", "*", AclOperation.WRITE, AclPermissionType.ALLOW))))
                        .all()
                        .get();
            }
            persistent.stop();

            // A new process reads the same folder: same passwords, same truststore, and the user still writes
            BrokerSecurity again = BrokerSecurity.loadOrCreate(dir.resolve("security"), "admin", List.of("carol"));
            assertThat(again.passwords()).isEqualTo(first.passwords());
            persistent.start();
            Map<String, Object> p = new HashMap<>(again.clientProperties("carol"));
            p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, persistent.bootstrapServers());
            p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
            try (KafkaProducer<String, String> producer =
                    new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
                assertThat(producer.send(new ProducerRecord<>("kept", "k", "v"))
                                .get()
                                .offset())
                        .isGreaterThanOrEqualTo(0);
            }
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(
                            dir.resolve("security").resolve("secrets.properties"))))
                    .isEqualTo("rw-------");
        } finally {
            persistent.close();
        }
    }

    private static KafkaProducer<String, String> producer(Map<String, String> security) {
        Map<String, Object> p = new HashMap<>(security);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) Duration.ofSeconds(10).toMillis());
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }
}
