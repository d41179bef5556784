package io.streamrlhf.localstack.topic;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.localstack.junit.EmbeddedKafkaExtension;
import io.streamrlhf.schemas.topic.TopicLayout;
import io.streamrlhf.schemas.topic.TopicNames;
import io.streamrlhf.schemas.topic.TopicProvisioner;
import io.streamrlhf.schemas.topic.TopicSpec;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class TopicProvisionerIT {

    @RegisterExtension
    static final EmbeddedKafkaExtension KAFKA = new EmbeddedKafkaExtension();

    private static Admin admin;

    @BeforeAll
    static void openAdmin() {
        admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, KAFKA.bootstrapServers()));
    }

    @AfterAll
    static void closeAdmin() {
        admin.close();
    }

    @Test
    void createsEveryTopicOnceAndChangesNothingTheSecondTime() {
        TopicNames names = TopicNames.defaults().withPrefix(KAFKA.uniquePrefix());
        List<TopicSpec> specs = TopicLayout.defaults().specs(names);
        TopicProvisioner provisioner = new TopicProvisioner(admin);

        TopicProvisioner.Report first = provisioner.ensure(specs);
        TopicProvisioner.Report second = provisioner.ensure(specs);

        assertThat(first.created())
                .containsExactlyInAnyOrderElementsOf(
                        specs.stream().map(TopicSpec::name).toList());
        assertThat(first.clean()).isTrue();
        assertThat(second.created()).isEmpty();
        assertThat(second.unchanged()).hasSameSizeAs(specs);
        assertThat(second.clean()).isTrue();
    }

    @Test
    void reportsAnExistingTopicWithWrongSettingsWithoutAlteringIt() throws Exception {
        TopicNames names = TopicNames.defaults().withPrefix(KAFKA.uniquePrefix());
        admin.createTopics(
                        List.of(new NewTopic(names.feedback(), 1, (short) 1).configs(Map.of("retention.ms", "1000"))))
                .all()
                .get();

        TopicProvisioner.Report report =
                new TopicProvisioner(admin).ensure(TopicLayout.defaults().specs(names));

        assertThat(report.clean()).isFalse();
        assertThat(report.mismatches())
                .singleElement()
                .asString()
                .startsWith(names.feedback() + ":")
                .contains("partitions 1 (expected 3)")
                .contains("retention.ms=1000");
        assertThat(admin.describeTopics(List.of(names.feedback()))
                        .allTopicNames()
                        .get()
                        .get(names.feedback())
                        .partitions())
                .hasSize(1);
    }
}
