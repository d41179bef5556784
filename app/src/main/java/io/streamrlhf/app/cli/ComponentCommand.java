package io.streamrlhf.app.cli;

import io.streamrlhf.app.config.AppKeys;
import io.streamrlhf.app.pipeline.Component;
import io.streamrlhf.app.pipeline.Pipeline;
import io.streamrlhf.app.pipeline.PipelineSettings;
import io.streamrlhf.app.pipeline.TorchThreads;
import io.streamrlhf.config.ClusterSettings;
import io.streamrlhf.config.Settings;
import io.streamrlhf.localstack.stack.StackKeys;
import io.streamrlhf.schemas.registry.RestSchemaRegistryClient;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code streamrlhf run COMPONENT...}: runs components against an existing Kafka cluster and schema registry
 * ({@code bootstrap.servers}, {@code schema.registry.url}; security settings as {@code kafka.*}), which is how
 * a real deployment runs them, one process per component. Each component is supervised (restarted with
 * backoff after a failure); after {@code supervisor.max.failures} consecutive failures of one the process exits
 * with status 70 so that its orchestrator restarts it.
 */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = "Run components against an existing Kafka and schema registry: "
                + "streams, trainer, sampler, prompts, users, gateway, dashboard, erasures.")
public final class ComponentCommand implements Callable<Integer> {

    @Mixin
    CommonOptions options;

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "COMPONENT", description = "Components to run: ${COMPLETION-CANDIDATES}")
    EnumSet<Component> components;

    @Override
    public Integer call() throws InterruptedException {
        Settings settings = options.settings();
        Map<String, String> values = settings.asMap();
        String bootstrap = ClusterSettings.BOOTSTRAP_SERVERS.get(values);
        String registryUrl = ClusterSettings.SCHEMA_REGISTRY_URL.get(values);
        TorchThreads.apply(AppKeys.TORCH_THREADS.find(values));
        TorchThreads.applyMklDispatch(AppKeys.TORCH_MKL_DISPATCH.get(values));
        Path dataDir = Path.of(StackKeys.DATA_DIR.get(values));
        Map<String, String> props = PipelineSettings.resolve(settings, bootstrap, registryUrl, dataDir);
        if (AppKeys.TOPICS_CREATE.get(values)) {
            TopicsCommand.provision(props, spec.commandLine().getOut());
        }
        RestSchemaRegistryClient registry =
                new RestSchemaRegistryClient(RestSchemaRegistryClient.Config.fromSettings(values));
        CountDownLatch stopped = new CountDownLatch(1);
        Pipeline pipeline = new Pipeline(props, registry).onGiveUp(Pipeline.exitProcess());
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            pipeline.close();
                            registry.close();
                            stopped.countDown();
                        },
                        "streamrlhf-shutdown"));
        pipeline.start(components);
        spec.commandLine().getOut().println("Running " + components + " against " + bootstrap + " (Ctrl-C to stop)");
        pipeline.opsPort()
                .ifPresent(port -> spec.commandLine()
                        .getOut()
                        .println("Health on http://" + AppKeys.OPS_BIND.get(props) + ":" + port
                                + "/health/ready, metrics on /metrics"));
        spec.commandLine().getOut().flush();
        stopped.await();
        return 0;
    }
}
