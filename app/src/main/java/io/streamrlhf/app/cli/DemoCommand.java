package io.streamrlhf.app.cli;

import io.streamrlhf.app.pipeline.Component;
import io.streamrlhf.app.pipeline.Pipeline;
import io.streamrlhf.app.pipeline.DemoDefaults;
import io.streamrlhf.app.pipeline.PipelineSettings;
import io.streamrlhf.app.pipeline.TorchThreads;
import io.streamrlhf.app.pipeline.VersionProgress;
import io.streamrlhf.app.pipeline.WarmStartCorpus;
import io.streamrlhf.app.stack.LocalStack;
import io.streamrlhf.app.stack.StackConfig;
import io.streamrlhf.app.config.Settings;
import io.streamrlhf.schemas.registry.RestSchemaRegistryClient;
import io.streamrlhf.streams.app.StreamsApp;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code streamrlhf demo}: the whole loop in one JVM on embedded defaults. Broker, registry and topics; the
 * streams topologies; the trainer (warm-started to version 0 on the first run, resumed from its last committed
 * version afterwards); the sampler; a prompt source; simulated users; the dashboard. Prints a line per
 * published version and stops cleanly on Ctrl-C.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the whole loop locally: a policy learning from simulated users, with a live dashboard.")
public final class DemoCommand implements Callable<Integer> {

    @Mixin
    CommonOptions options;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Settings settings = options.settings();
        TorchThreads.apply(Optional.of(settings.get("torch.threads", "1")));
        StackConfig stackConfig = StackConfig.from(settings);
        PrintWriter out = spec.commandLine().getOut();
        CountDownLatch stopped = new CountDownLatch(1);
        LocalStack stack = new LocalStack(stackConfig).start();
        RestSchemaRegistryClient registry = new RestSchemaRegistryClient(stack.registryUrl());
        Path dataDir = stackConfig.dataDir();
        // The demo's gateway gets a fresh API key unless one is configured; it never runs open.
        String apiKey = settings.get("gateway.api.keys", "demo-" + java.util.UUID.randomUUID());
        Map<String, String> props = PipelineSettings.resolve(
                DemoDefaults.apply(settings, dataDir)
                        .with(Map.of("gateway.api.keys", apiKey, "gateway.bind.address",
                                settings.get("gateway.bind.address", "127.0.0.1"))),
                stack.bootstrapServers(), stack.registryUrl(), dataDir);
        WarmStartCorpus.ensure(props);
        Pipeline pipeline = new Pipeline(props, registry);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println("Stopping...");
            out.flush();
            pipeline.close();
            registry.close();
            stack.close();
            stopped.countDown();
        }, "streamrlhf-shutdown"));
        pipeline.start(EnumSet.allOf(Component.class));
        VersionProgress progress = new VersionProgress(stack.bootstrapServers(), pipeline.topics().policyVersions(),
                pipeline.streams().map(StreamsApp::monitorQuery), out);
        Thread progressThread = new Thread(progress, "streamrlhf-progress");
        progressThread.setDaemon(true);
        progressThread.start();
        out.println("StreamRLHF demo is running (Ctrl-C to stop; the next start resumes where this one stopped)");
        out.println("  dashboard         = " + pipeline.dashboard().map(d -> d.url().toString()).orElse("-"));
        pipeline.streams().flatMap(StreamsApp::monitorPort)
                .ifPresent(port -> out.println("  monitor           = http://127.0.0.1:" + port + "/monitor/versions"));
        pipeline.gateway().ifPresent(g -> out.println("  gateway           = " + g.baseUri() + "  (API key " + apiKey + ")"));
        out.println("  bootstrap.servers = " + stack.bootstrapServers());
        out.println("  registry.url      = " + stack.registryUrl());
        out.println("  data.dir          = " + dataDir.toAbsolutePath());
        out.flush();
        stopped.await();
        return 0;
    }
}
