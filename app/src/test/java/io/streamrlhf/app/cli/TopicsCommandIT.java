package io.streamrlhf.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.app.StreamRlhf;
import io.streamrlhf.localstack.junit.EmbeddedKafkaExtension;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import picocli.CommandLine;

/** {@code streamrlhf topics create} against a real broker: every topic once, idempotent, mismatches reported. */
class TopicsCommandIT {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static int run(StringWriter out, String... args) {
        CommandLine cli = StreamRlhf.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(out));
        return cli.execute(args);
    }

    @Test
    void createsEveryNamedTopicOnceThenReportsTheyAreThereAndFlagsOneThatDiffers() throws Exception {
        String bootstrap = "bootstrap.servers=" + KAFKA.bootstrapServers();
        // The extension's own schema registry already keeps its log in the default schemas topic: use another.
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()))) {
            // An operator's earlier topic with another partition count.
            admin.createTopics(Set.of(new NewTopic("t.feedback", 1, (short) 1)))
                    .all()
                    .get();
        }
        StringWriter first = new StringWriter();
        StringWriter second = new StringWriter();

        String[] args = {
            "topics",
            "create",
            "--set",
            bootstrap,
            "--set",
            "topic.feedback=t.feedback",
            "--set",
            "topic.monitor.events=t.monitor",
            "--set",
            "topic.schemas=t.schemas",
            "--set",
            "topics.partitions=2"
        };
        int created = run(first, args);
        String[] strict = Arrays.copyOf(args, args.length + 1);
        strict[args.length] = "--fail-on-mismatch";
        int again = run(second, strict);

        assertThat(created).isZero();
        assertThat(first.toString())
                .startsWith("Topics: 16 created [")
                .contains("t.monitor", "rlhf.responses")
                .contains("1 already there")
                .contains("WARNING topic differs: t.feedback: partitions 1 (expected 2)");
        assertThat(again).isEqualTo(1);
        assertThat(second.toString()).startsWith("Topics: 0 created [], 17 already there");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()))) {
            assertThat(admin.describeTopics(Set.of("t.monitor"))
                            .allTopicNames()
                            .get()
                            .get("t.monitor")
                            .partitions())
                    .hasSize(2);
        }
    }
}
