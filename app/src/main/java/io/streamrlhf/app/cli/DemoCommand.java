package io.streamrlhf.app.cli;

import io.streamrlhf.app.pipeline.DemoStack;
import io.streamrlhf.app.pipeline.Pipeline;
import io.streamrlhf.config.Settings;
import io.streamrlhf.localstack.broker.BrokerSecurity;
import io.streamrlhf.trainer.config.TrainerKeys;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code streamrlhf demo}: the whole loop in one JVM on embedded defaults. Broker, registry and topics; the
 * streams topologies; the trainer (by default the tiny Llama-architecture directory {@code DemoModel} writes under
 * the data folder, trained whole and warm-started to version 0 on the first run, resumed from its last committed
 * version afterwards; with {@code --model DIR} that Hugging Face model trained through LoRA instead, by the same
 * code); the sampler; a prompt source; simulated users; the gateway; the dashboard. Prints a line per published
 * version and stops cleanly on Ctrl-C.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = "Run the whole loop locally: a policy learning from simulated users, with a live dashboard.")
public final class DemoCommand implements Callable<Integer> {

    @Mixin
    CommonOptions options;

    @Spec
    CommandSpec spec;

    @Option(
            names = "--secure",
            arity = "0..1",
            fallbackValue = "sasl",
            paramLabel = "sasl|mtls",
            converter = SecureModeConverter.class,
            description = "Broker with ACLs, each component its own principal: SASL_SSL (SCRAM-SHA-512 over TLS, "
                    + "the default) or, with --secure=mtls, a client certificate each.")
    BrokerSecurity.Mode secure;

    @Option(
            names = "--model",
            paramLabel = "DIR",
            description = "Train this Hugging Face Llama-family model directory (through LoRA; see docs/models.md)"
                    + " instead of the demo's own tiny Llama model: sets trainer.model.dir.")
    Path model;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        CountDownLatch stopped = new CountDownLatch(1);
        Settings settings = options.settings();
        if (model != null) {
            settings = settings.with(Map.of(TrainerKeys.MODEL_DIR.name(), model.toString()), "--model");
        }
        DemoStack demo = DemoStack.start(settings, out, Optional.ofNullable(secure), Pipeline.exitProcess());
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            out.println("Stopping...");
                            out.flush();
                            demo.close();
                            stopped.countDown();
                        },
                        "streamrlhf-shutdown"));
        out.println("StreamRLHF demo is running (Ctrl-C to stop; the next start resumes where this one stopped)");
        demo.printAddresses(out);
        stopped.await();
        return 0;
    }
}
