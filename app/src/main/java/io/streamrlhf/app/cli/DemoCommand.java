package io.streamrlhf.app.cli;

import io.streamrlhf.app.pipeline.DemoStack;
import io.streamrlhf.app.pipeline.Pipeline;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code streamrlhf demo}: the whole loop in one JVM on embedded defaults. Broker, registry and topics; the
 * streams topologies; the trainer (warm-started to version 0 on the first run, resumed from its last committed
 * version afterwards); the sampler; a prompt source; simulated users; the gateway; the dashboard. Prints a line
 * per published version and stops cleanly on Ctrl-C.
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
            description = "Broker with SASL_SSL (SCRAM-SHA-512 over TLS) and ACLs; each component its own principal.")
    boolean secure;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        CountDownLatch stopped = new CountDownLatch(1);
        DemoStack demo = DemoStack.start(options.settings(), out, secure, Pipeline.exitProcess());
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
