package io.streamrlhf.localstack.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.SslAuthenticationException;
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
 * The embedded broker with mutual TLS: a client certificate is required, its {@code CN} is the principal the ACLs
 * name ({@code User:alice}, as with SCRAM), and a client without a certificate, or with one the broker's
 * authority did not sign, gets no connection at all.
 */
class MtlsEmbeddedKafkaBrokerIT {

    private static final String TOPIC = "mtls.topic";
    private static EmbeddedKafkaBroker broker;
    private static BrokerSecurity security;

    @BeforeAll
    static void start() throws Exception {
        broker = EmbeddedKafkaBroker.secured("admin", List.of("alice", "bob"), BrokerSecurity.Mode.MTLS)
                .start();
        security = broker.security().orElseThrow();
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
    void clientPropertiesCarryACertificateAndNoSaslCredential() {
        Map<String, String> alice = security.clientProperties("alice");
        assertThat(alice)
                .containsEntry("security.protocol", "SSL")
                .containsKey("ssl.keystore.location")
                .doesNotContainKey("sasl.jaas.config");
        assertThat(alice.get("ssl.keystore.location"))
                .isNotEqualTo(security.clientProperties("bob").get("ssl.keystore.location"));
    }

    @Test
    void certificateWhoseCommonNameHasAWriteAclWrites() throws Exception {
        try (KafkaProducer<String, String> producer = producer(security.clientProperties("alice"))) {
            assertThat(producer.send(new ProducerRecord<>(TOPIC, "k", "v"))
                            .get()
                            .offset())
                    .isGreaterThanOrEqualTo(0);
        }
    }

    @Test
    void anotherComponentsCertificateIsDeniedTheTopic() {
        try (KafkaProducer<String, String> producer = producer(security.clientProperties("bob"))) {
            assertThatThrownBy(() ->
                            producer.send(new ProducerRecord<>(TOPIC, "k", "v")).get())
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
        }
    }

    @Test
    void clientWithoutACertificateFailsTheHandshake() {
        Map<String, String> props = new HashMap<>(security.clientProperties("alice"));
        props.remove("ssl.keystore.location");
        props.remove("ssl.keystore.password");
        props.remove("ssl.key.password");
        props.remove("ssl.keystore.type");
        try (KafkaProducer<String, String> producer = producer(props)) {
            assertThatThrownBy(() ->
                            producer.send(new ProducerRecord<>(TOPIC, "k", "v")).get())
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(SslAuthenticationException.class);
        }
    }

    @Test
    void certificateForTheSameNameFromAnotherAuthorityFailsTheHandshake(@TempDir Path dir) {
        TlsMaterial foreign = TlsMaterial.generate(dir, "ks-pw-1", "ts-pw-1", Map.of("alice", "alice-pw"));
        Map<String, String> props = new HashMap<>(security.clientProperties("alice"));
        props.put("ssl.keystore.location", foreign.clientKeystore("alice").toString());
        props.put("ssl.keystore.password", "alice-pw");
        props.put("ssl.key.password", "alice-pw");
        try (KafkaProducer<String, String> producer = producer(props)) {
            assertThatThrownBy(() ->
                            producer.send(new ProducerRecord<>(TOPIC, "k", "v")).get())
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(SslAuthenticationException.class);
        }
    }

    private static KafkaProducer<String, String> producer(Map<String, String> security) {
        Map<String, Object> p = new HashMap<>(security);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }
}
