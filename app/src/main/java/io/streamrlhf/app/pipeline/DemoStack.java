package io.streamrlhf.app.pipeline;

import io.streamrlhf.app.config.AppKeys;
import io.streamrlhf.app.ops.Supervisor;
import io.streamrlhf.app.security.SecureStack;
import io.streamrlhf.config.ClusterSettings;
import io.streamrlhf.config.Settings;
import io.streamrlhf.localstack.broker.BrokerSecurity;
import io.streamrlhf.localstack.stack.LocalStack;
import io.streamrlhf.localstack.stack.StackConfig;
import io.streamrlhf.schemas.registry.RestSchemaRegistryClient;
import io.streamrlhf.streams.app.StreamsApp;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Everything {@code streamrlhf demo} runs, as one closeable unit: the embedded stack, every component with the
 * demo defaults, and the per-version progress lines. Closing stops them in reverse order.
 */
public final class DemoStack implements AutoCloseable {

    private final LocalStack stack;
    private final RestSchemaRegistryClient registry;
    private final Pipeline pipeline;
    private final VersionProgress progress;
    private final String apiKey;
    private final Path dataDir;
    private final Optional<Path> clientFile;

    private DemoStack(
            LocalStack stack,
            RestSchemaRegistryClient registry,
            Pipeline pipeline,
            VersionProgress progress,
            String apiKey,
            Path dataDir,
            Optional<Path> clientFile) {
        this.stack = stack;
        this.registry = registry;
        this.pipeline = pipeline;
        this.progress = progress;
        this.apiKey = apiKey;
        this.dataDir = dataDir;
        this.clientFile = clientFile;
    }

    /** Starts the whole demo; progress lines go to {@code out}; a component failing for good only stays down. */
    public static DemoStack start(Settings settings, PrintWriter out) {
        return start(settings, out, false, (component, failures, cause) -> {});
    }

    /**
     * Starts the whole demo; with {@code secure} on a broker that takes only SASL_SSL and authorizes by ACL,
     * each component with its own principal ({@link SecureStack}); a component failing for good only stays down.
     */
    public static DemoStack start(Settings settings, PrintWriter out, boolean secure) {
        return start(settings, out, secure, (component, failures, cause) -> {});
    }

    /**
     * Starts the whole demo, secured or not; progress lines go to {@code out}; {@code giveUp} runs when a component
     * failed {@code supervisor.max.failures} times in a row ({@code demo} exits then).
     */
    public static DemoStack start(Settings settings, PrintWriter out, boolean secure, Supervisor.GiveUp giveUp) {
        return start(settings, out, secure ? Optional.of(BrokerSecurity.Mode.SASL_SSL) : Optional.empty(), giveUp);
    }

    /**
     * Starts the whole demo, on a plain broker ({@code security} empty) or a secured one whose clients
     * authenticate by the given mode (SCRAM passwords or client certificates, a principal per component).
     */
    public static DemoStack start(
            Settings settings, PrintWriter out, Optional<BrokerSecurity.Mode> security, Supervisor.GiveUp giveUp) {
        // One intra-op thread per model unless set: trainer and sampler share the machine.
        TorchThreads.apply(
                Optional.of(AppKeys.TORCH_THREADS.find(settings.asMap()).orElse(1)));
        TorchThreads.applyMklDispatch(AppKeys.TORCH_MKL_DISPATCH.get(settings.asMap()));
        StackConfig stackConfig = StackConfig.from(settings.asMap());
        Path dataDir = stackConfig.dataDir();
        SecureStack secured = security.map(mode -> SecureStack.start(stackConfig, settings.asMap(), mode))
                .orElse(null);
        LocalStack stack = secured != null ? secured.stack() : new LocalStack(stackConfig).start();
        Map<String, String> clientSecurity = secured != null ? secured.clientSettings() : Map.of();
        Map<String, String> registrySettings = new HashMap<>(clientSecurity);
        registrySettings.put(ClusterSettings.SCHEMA_REGISTRY_URL.name(), stack.registryUrl());
        RestSchemaRegistryClient registry =
                new RestSchemaRegistryClient(RestSchemaRegistryClient.Config.fromSettings(registrySettings));
        try {
            // The demo's gateway gets a fresh API key unless one is configured; it never runs open.
            String apiKey = settings.get("gateway.api.keys", "demo-" + UUID.randomUUID());
            Map<String, String> props = PipelineSettings.resolve(
                    DemoDefaults.apply(settings, dataDir)
                            .with(Map.of(
                                    "gateway.api.keys",
                                    apiKey,
                                    "gateway.bind.address",
                                    settings.get("gateway.bind.address", "127.0.0.1")))
                            .with(clientSecurity, "--secure"),
                    stack.bootstrapServers(),
                    stack.registryUrl(),
                    dataDir);
            WarmStartCorpus.ensure(props);
            DemoModel.ensure(props);
            Pipeline pipeline = new Pipeline(props, registry).onGiveUp(giveUp).start(EnumSet.allOf(Component.class));
            VersionProgress progress = new VersionProgress(
                    stack.bootstrapServers(),
                    io.streamrlhf.config.Settings.kafkaOverrides(props, "dashboard"),
                    pipeline.topics().policyVersions(),
                    pipeline.streams().map(StreamsApp::monitorQuery),
                    out);
            Thread thread = new Thread(progress, "streamrlhf-progress");
            thread.setDaemon(true);
            thread.start();
            return new DemoStack(
                    stack,
                    registry,
                    pipeline,
                    progress,
                    apiKey,
                    dataDir,
                    Optional.ofNullable(secured).map(SecureStack::clientFile));
        } catch (RuntimeException e) {
            registry.close();
            stack.close();
            throw e;
        }
    }

    /** Prints where everything is. */
    public void printAddresses(PrintWriter out) {
        out.println("  dashboard         = " + dashboardUrl().map(URI::toString).orElse("-"));
        pipeline.streams()
                .flatMap(StreamsApp::monitorPort)
                .ifPresent(port -> out.println("  monitor           = http://127.0.0.1:" + port + "/monitor/versions"));
        pipeline.gateway()
                .ifPresent(g -> out.println("  gateway           = " + g.baseUri() + "  (API key " + apiKey + ")"));
        pipeline.opsPort()
                .ifPresent(port ->
                        out.println("  health, metrics   = http://127.0.0.1:" + port + "/health/ready  /metrics"));
        out.println("  bootstrap.servers = " + stack.bootstrapServers());
        out.println("  registry.url      = " + stack.registryUrl());
        out.println("  data.dir          = " + dataDir.toAbsolutePath());
        clientFile.ifPresent(f -> out.println("  client settings   = " + f.toAbsolutePath()
                + "  (SASL_SSL credentials of every component, mode 0600)"));
        out.flush();
    }

    public Optional<URI> dashboardUrl() {
        return pipeline.dashboard().map(d -> d.url());
    }

    /** Where {@code --secure} wrote the components' client settings; empty for a plain demo. */
    public Optional<Path> clientFile() {
        return clientFile;
    }

    public Pipeline pipeline() {
        return pipeline;
    }

    @Override
    public void close() {
        progress.close();
        pipeline.close();
        registry.close();
        stack.close();
    }
}
