package io.streamrlhf.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.app.StreamRlhf;
import io.streamrlhf.avro.UserErased;
import io.streamrlhf.localstack.junit.EmbeddedKafkaExtension;
import io.streamrlhf.producers.config.KafkaConnection;
import io.streamrlhf.producers.erasure.ErasureReporter;
import io.streamrlhf.producers.erasure.ErasureReporterConfig;
import io.streamrlhf.schemas.topic.Topic;
import io.streamrlhf.schemas.topic.TopicLayout;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.TopicProvisioner;
import io.streamrlhf.schemas.topic.Topics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/** {@code streamrlhf erase-user ID} against a real broker and registry: one request on the erasures topic. */
class EraseUserCommandIT {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    @Test
    void eraseUserWritesOneRequestKeyedByTheUserAndPrintsItsRequestId() throws Exception {
        // given
        String topic = KAFKA.uniqueName("erasures");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()))) {
            admin.createTopics(Set.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        StringWriter out = new StringWriter();
        CommandLine cli = StreamRlhf.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(out));

        // when
        int exit = cli.execute(
                "erase-user",
                "user-17",
                "--reason",
                "ticket 4711",
                "--set",
                "bootstrap.servers=" + KAFKA.bootstrapServers(),
                "--set",
                "schema.registry.url=" + KAFKA.schemaRegistryUrl(),
                "--set",
                "topic.erasures=" + topic);

        // then
        assertThat(exit).as(out.toString()).isZero();
        List<ConsumerRecord<String, UserErased>> written = readAll(topic);
        assertThat(written).hasSize(1);
        assertThat(written.get(0).key()).isEqualTo("user-17");
        assertThat(written.get(0).value().getUserId()).isEqualTo("user-17");
        assertThat(written.get(0).value().getReason()).isEqualTo("ticket 4711");
        assertThat(out.toString())
                .contains("Erasure of user user-17 recorded: request "
                        + written.get(0).value().getRequestId());
    }

    @Test
    void eraseUserWithWaitPrintsTheErasureReportAsJson() throws Exception {
        // given: every topic under a unique prefix and the erasure reporter running
        TopicNames names = TopicNames.defaults().withPrefix(KAFKA.uniquePrefix());
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()))) {
            new TopicProvisioner(admin).ensure(TopicLayout.defaults().specs(names));
        }
        ErasureReporterConfig config = ErasureReporterConfig.defaults(
                        KafkaConnection.of(KAFKA.bootstrapServers()).withTopics(names))
                .withIds(KAFKA.uniqueName("reporter"), KAFKA.uniqueName("reporter-tx"));
        StringWriter out = new StringWriter();
        CommandLine cli = StreamRlhf.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(out));

        // when
        int exit;
        try (ErasureReporter reporter = new ErasureReporter(config, KAFKA.schemaRegistryClient()).start(e -> {})) {
            exit = cli.execute(
                    "erase-user",
                    "user-18",
                    "--wait",
                    "--timeout",
                    "60s",
                    "--set",
                    "bootstrap.servers=" + KAFKA.bootstrapServers(),
                    "--set",
                    "schema.registry.url=" + KAFKA.schemaRegistryUrl(),
                    "--set",
                    "topic.erasures=" + names.erasures(),
                    "--set",
                    "topic.erasure.reports=" + names.erasureReports());
        }

        // then
        assertThat(exit).as(out.toString()).isZero();
        String printed = out.toString();
        String requestId = printed.substring(printed.indexOf("request ") + "request ".length(), printed.indexOf('\n'));
        assertThat(printed)
                .contains("\"requestId\" : \"" + requestId.strip() + "\"")
                .contains("\"userId\" : \"user-18\"")
                .contains("\"retained\"");
    }

    private static List<ConsumerRecord<String, UserErased>> readAll(String name) {
        Topic<String, UserErased> topic = new Topics(TopicNames.defaults(), KAFKA.schemaRegistryClient())
                .erasures()
                .renamed(name);
        List<ConsumerRecord<String, UserErased>> records = new ArrayList<>();
        try (KafkaConsumer<String, UserErased> consumer = topic.replayingConsumer(KAFKA.bootstrapServers(), Map.of())) {
            TopicPartition partition = new TopicPartition(name, 0);
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (consumer.position(partition) < end && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }
}
