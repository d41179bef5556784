package io.streamrlhf.localstack.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaBrokerIT {

    @Test
    void committedTransactionIsReadByReadCommittedConsumerAndSurvivesRestart(@TempDir Path dir) throws Exception {
        EmbeddedKafkaBroker broker =
                EmbeddedKafkaBroker.persistent(dir, Map.of()).start();
        String topic = "t-" + UUID.randomUUID();
        try (Admin admin =
                Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-" + topic);
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k", "committed"));
            producer.commitTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k", "aborted"));
            producer.abortTransaction();
        }
        assertThat(readAll(broker, topic)).containsExactly("committed");

        String address = broker.bootstrapServers();
        broker.stop();
        broker.start();
        try {
            // the same address, so clients that keep running across the restart reconnect to it
            assertThat(broker.bootstrapServers()).isEqualTo(address);
            assertThat(readAll(broker, topic)).containsExactly("committed");
            assertThat(Files.exists(dir.resolve("kraft-logs/meta.properties"))).isTrue();
        } finally {
            broker.close();
        }
    }

    @Test
    void aChosenPortTakenBeforeTheBrokerBindsItIsReplacedByAnother(@TempDir Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int takenPort = taken.getLocalPort();
            AtomicInteger choices = new AtomicInteger();
            // The first choice is the port another process took between choosing and binding; later ones are free.
            IntSupplier chooser = () -> choices.getAndIncrement() == 0 ? takenPort : freePort();
            try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.persistent(dir, Map.of())
                    .choosePortsWith(chooser)
                    .start()) {
                assertThat(broker.bootstrapServers()).doesNotEndWith(":" + takenPort);
                assertThat(choices.get()).isGreaterThanOrEqualTo(4);
                String topic = "t-" + UUID.randomUUID();
                try (Admin admin = Admin.create(broker.adminProperties())) {
                    admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1)))
                            .all()
                            .get();
                }
                try (KafkaProducer<String, String> producer = new KafkaProducer<>(
                        Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                        new StringSerializer(),
                        new StringSerializer())) {
                    producer.send(new ProducerRecord<>(topic, "k", "after a port clash"))
                            .get();
                }
                assertThat(readAll(broker, topic)).containsExactly("after a port clash");
            }
        }
    }

    @Test
    void aPinnedPortThatIsTakenFailsAtOnceNamingIt(@TempDir Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int takenPort = taken.getLocalPort();
            AtomicInteger choices = new AtomicInteger();
            EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.persistent(dir, Map.of("port", String.valueOf(takenPort)))
                    .choosePortsWith(() -> {
                        choices.incrementAndGet();
                        return freePort();
                    });
            try {
                assertThatThrownBy(broker::start)
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("ports " + takenPort + "/")
                        .hasRootCauseInstanceOf(BindException.class);
                // Only the controller port was chosen: a port the user pinned is never silently replaced.
                assertThat(choices.get()).isEqualTo(1);
            } finally {
                broker.close();
            }
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static List<String> readAll(EmbeddedKafkaBroker broker, String topic) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, "g-" + UUID.randomUUID());
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer =
                new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.currentTimeMillis() + 20_000;
            while (values.isEmpty() && System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(200))) {
                    values.add(r.value());
                }
            }
            // Drain anything else that is already there.
            for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
                values.add(r.value());
            }
        }
        return values;
    }
}
