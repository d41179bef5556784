package io.streamrlhf.app.cli;

import io.streamrlhf.config.ClusterSettings;
import io.streamrlhf.config.Settings;
import io.streamrlhf.schemas.topic.TopicLayout;
import io.streamrlhf.schemas.topic.TopicProvisioner;
import java.io.PrintWriter;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code streamrlhf topics create}: provisions every topic the settings name, the one way topics are made. */
@Command(
        name = "topics",
        mixinStandardHelpOptions = true,
        description = "Manage the pipeline's topics.",
        subcommands = TopicsCommand.Create.class)
public final class TopicsCommand {

    /**
     * Creates missing topics with the partitions, replication and retention of {@code topics.*}; leaves existing
     * ones alone and reports any whose settings differ. Idempotent: run it on every deployment.
     */
    @Command(
            name = "create",
            mixinStandardHelpOptions = true,
            description = "Create every missing topic (topic.*, topics.*); report existing ones that differ.")
    static final class Create implements Callable<Integer> {

        @Mixin
        CommonOptions options;

        @Spec
        CommandSpec spec;

        @Option(names = "--fail-on-mismatch", description = "Exit with 1 when an existing topic differs.")
        boolean failOnMismatch;

        @Override
        public Integer call() {
            TopicProvisioner.Report report =
                    provision(options.settings().asMap(), spec.commandLine().getOut());
            return failOnMismatch && !report.clean() ? 1 : 0;
        }
    }

    /**
     * Provisions every topic the settings name on {@code bootstrap.servers}, with the admin client's own
     * {@code kafka.*} / {@code topics.kafka.*} overrides, and prints what it did.
     */
    static TopicProvisioner.Report provision(Map<String, String> settings, PrintWriter out) {
        Map<String, Object> admin = new HashMap<>(Settings.kafkaOverrides(settings, "topics"));
        admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, ClusterSettings.BOOTSTRAP_SERVERS.get(settings));
        TopicProvisioner.Report report;
        try (Admin client = Admin.create(admin)) {
            report = new TopicProvisioner(client).ensure(TopicLayout.specsFromProperties(settings));
        }
        out.println("Topics: " + report.created().size() + " created " + report.created() + ", "
                + (report.unchanged().size() + report.mismatches().size()) + " already there");
        report.mismatches().forEach(m -> out.println("  WARNING topic differs: " + m));
        out.flush();
        return report;
    }
}
