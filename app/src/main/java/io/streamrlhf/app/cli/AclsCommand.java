package io.streamrlhf.app.cli;

import io.streamrlhf.app.security.KafkaAcls;
import io.streamrlhf.app.security.SecurityKeys;
import io.streamrlhf.config.ClusterSettings;
import io.streamrlhf.config.Settings;
import java.io.PrintWriter;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code streamrlhf acls}: prints the least-privilege ACLs of every component's principal for the configured
 * topics, groups and transactional ids; with {@code --create} creates them with the admin client
 * ({@code kafka.*} / {@code admin.kafka.*}: a principal allowed to alter ACLs). Creating is idempotent.
 */
@Command(
        name = "acls",
        mixinStandardHelpOptions = true,
        description = "Print the ACLs of each component's Kafka principal; --create creates them on bootstrap.servers.")
public final class AclsCommand implements Callable<Integer> {

    @Mixin
    CommonOptions options;

    @Spec
    CommandSpec spec;

    @Option(names = "--create", description = "Create the ACLs with the admin client (admin.kafka.* credentials).")
    boolean create;

    @Override
    public Integer call() throws InterruptedException {
        Map<String, String> settings = options.settings().asMap();
        KafkaAcls acls = KafkaAcls.forSettings(settings);
        PrintWriter out = spec.commandLine().getOut();
        out.print(acls.table(SecurityKeys.PRINCIPAL_PREFIX.get(settings)));
        if (create) {
            int created = create(settings, acls);
            out.println("Created " + created + " ACL bindings on " + ClusterSettings.BOOTSTRAP_SERVERS.get(settings));
        }
        out.flush();
        return 0;
    }

    /** Creates every binding of {@code acls} with the admin's client settings; returns how many. */
    static int create(Map<String, String> settings, KafkaAcls acls) throws InterruptedException {
        Map<String, Object> admin = new HashMap<>(Settings.kafkaOverrides(settings, "admin"));
        admin.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, ClusterSettings.BOOTSTRAP_SERVERS.get(settings));
        try (Admin client = Admin.create(admin)) {
            client.createAcls(acls.bindings()).all().get(60, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException(
                    "Cannot create ACLs on " + admin.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG) + ": " + e, e);
        }
        return acls.bindings().size();
    }
}
