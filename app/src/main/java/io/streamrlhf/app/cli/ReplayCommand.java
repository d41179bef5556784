package io.streamrlhf.app.cli;

import io.streamrlhf.app.config.AppKeys;
import io.streamrlhf.app.pipeline.PipelineSettings;
import io.streamrlhf.app.pipeline.TorchThreads;
import io.streamrlhf.app.replay.BranchReplay;
import io.streamrlhf.config.ClusterSettings;
import io.streamrlhf.config.Settings;
import io.streamrlhf.localstack.stack.StackKeys;
import io.streamrlhf.schemas.registry.RestSchemaRegistryClient;
import io.streamrlhf.streams.replay.ReplayStart;
import io.streamrlhf.trainer.loop.OnlineTrainer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code streamrlhf replay --from TIME|OFFSETS --branch NAME}: replays the retained events through the streams
 * topology into the branch's own example topics, with the settings given (judges, rules and losses changed through
 * {@code --set}), then trains the branch model {@code <modelId>@NAME} from a version of the main model.
 */
@Command(
        name = "replay",
        mixinStandardHelpOptions = true,
        description = "Replay the retained events into a branch (rlhf.branch.NAME.* topics) with changed settings, "
                + "then train the branch model <trainer.model.id>@NAME on them from a version of the main model.")
public final class ReplayCommand implements Callable<Integer> {

    @Mixin
    CommonOptions options;

    @Spec
    CommandSpec spec;

    @Option(
            names = "--from",
            required = true,
            paramLabel = "TIME|OFFSETS",
            description = "Where to start: an ISO-8601 instant (2026-12-07T10:00:00Z) or topic:partition:offset,..."
                    + " (unnamed partitions of the event topics start at their earliest retained offset).")
    String from;

    @Option(
            names = "--branch",
            required = true,
            paramLabel = "NAME",
            description = "The branch: 1-64 characters from [A-Za-z0-9_-].")
    String branch;

    @Option(
            names = "--base-version",
            paramLabel = "N",
            description = "The main model's version the branch trains from (default: its latest promoted one when"
                    + " canaries decide its versions, else its latest committed one).")
    Long baseVersion;

    @Option(names = "--no-train", description = "Only replay; do not train the branch model.")
    boolean noTrain;

    @Option(names = "--follow", description = "Keep training the branch model as examples arrive (Ctrl-C stops).")
    boolean follow;

    @Option(
            names = "--timeout",
            paramLabel = "DURATION",
            defaultValue = "PT1H",
            description = "How long the streams replay may take (ISO-8601, default ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    public Integer call() throws InterruptedException {
        BranchReplay.Options replay;
        try {
            replay = new BranchReplay.Options(
                    branch,
                    ReplayStart.parse(from),
                    baseVersion == null ? OptionalLong.empty() : OptionalLong.of(baseVersion),
                    !noTrain,
                    follow,
                    timeout);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        Settings settings = options.settings();
        Map<String, String> values = settings.asMap();
        String bootstrap = ClusterSettings.BOOTSTRAP_SERVERS.get(values);
        String registryUrl = ClusterSettings.SCHEMA_REGISTRY_URL.get(values);
        TorchThreads.apply(AppKeys.TORCH_THREADS.find(values));
        TorchThreads.applyMklDispatch(AppKeys.TORCH_MKL_DISPATCH.get(values));
        Path dataDir = Path.of(StackKeys.DATA_DIR.get(values));
        Map<String, String> props = PipelineSettings.resolve(settings, bootstrap, registryUrl, dataDir);
        PrintWriter out = spec.commandLine().getOut();
        AtomicReference<OnlineTrainer> trainer = new AtomicReference<>();
        Thread stop = new Thread(
                () -> {
                    OnlineTrainer t = trainer.get();
                    if (t != null) {
                        t.stop();
                    }
                },
                "streamrlhf-replay-stop");
        Runtime.getRuntime().addShutdownHook(stop);
        try (RestSchemaRegistryClient registry =
                new RestSchemaRegistryClient(RestSchemaRegistryClient.Config.fromSettings(values))) {
            return new BranchReplay(props, registry).run(replay, out, trainer::set);
        } catch (IllegalStateException e) {
            // An earlier replay of the branch, a failed Kafka Streams or a timeout: one line, not a stack trace.
            spec.commandLine().getErr().println("streamrlhf replay: " + e.getMessage());
            spec.commandLine().getErr().flush();
            return 1;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(stop);
            } catch (IllegalStateException shuttingDown) {
                // The hook is running: the JVM is exiting anyway.
            }
        }
    }
}
