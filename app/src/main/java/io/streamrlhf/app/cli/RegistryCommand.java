package io.streamrlhf.app.cli;

import io.streamrlhf.app.registry.RegistryService;
import io.streamrlhf.config.ClusterSettings;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code streamrlhf registry}: the project's Confluent-compatible schema registry as a service of its own, its log on
 * the Kafka cluster at {@code bootstrap.servers} ({@link RegistryService}). Runs until stopped (SIGTERM, Ctrl-C),
 * then closes its server and Kafka clients; a bad setting exits with status 2 and one line naming the key.
 */
@Command(
        name = "registry",
        mixinStandardHelpOptions = true,
        description = "Run the schema registry against an existing Kafka cluster (its log in topic.schemas), with TLS "
                + "(registry.ssl.keystore.*) and basic authentication (registry.auth.users[.file]).")
public final class RegistryCommand implements Callable<Integer> {

    @Mixin
    CommonOptions options;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        Map<String, String> values = options.settings().asMap();
        RegistryService service = RegistryService.start(values);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            service.close();
                            stopped.countDown();
                        },
                        "streamrlhf-registry-shutdown"));
        PrintWriter out = spec.commandLine().getOut();
        out.println("Schema registry at " + service.url() + ", its log on "
                + ClusterSettings.BOOTSTRAP_SERVERS.get(values) + " (Ctrl-C to stop)");
        service.opsPort().ifPresent(port -> out.println("Health on port " + port + ": /health/ready, /metrics"));
        out.flush();
        stopped.await();
        return 0;
    }
}
