package io.streamrlhf.app.cli;

import io.streamrlhf.app.security.SecureStack;
import io.streamrlhf.localstack.broker.BrokerSecurity;
import io.streamrlhf.localstack.stack.LocalStack;
import io.streamrlhf.localstack.stack.StackConfig;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code streamrlhf up}: broker, registry and topics, printed addresses, running until Ctrl-C. */
@Command(
        name = "up",
        mixinStandardHelpOptions = true,
        description = "Start the embedded broker and schema registry, provision topics, run until Ctrl-C.")
public final class UpCommand implements Callable<Integer> {

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
            description = "Broker with ACLs and a principal per component, authenticated by SASL_SSL (SCRAM-SHA-512 "
                    + "over TLS, the default) or, with --secure=mtls, by a client certificate each; "
                    + "their client settings written to a file only you can read.")
    BrokerSecurity.Mode secure;

    @Override
    public Integer call() throws InterruptedException {
        Map<String, String> settings = options.settings().asMap();
        StackConfig config = StackConfig.from(settings);
        CountDownLatch stopped = new CountDownLatch(1);
        SecureStack secured = secure != null ? SecureStack.start(config, settings, secure) : null;
        LocalStack stack = secured != null ? secured.stack() : new LocalStack(config).start();
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            stack.close();
                            stopped.countDown();
                        },
                        "streamrlhf-shutdown"));
        PrintWriter out = spec.commandLine().getOut();
        out.println("StreamRLHF local stack is up (Ctrl-C to stop)");
        out.println("  bootstrap.servers = " + stack.bootstrapServers());
        out.println("  registry.url      = " + stack.registryUrl());
        out.println("  data.dir          = " + config.dataDir().toAbsolutePath());
        out.println("  topics            = " + stack.topicReport().created().size() + " created, "
                + stack.topicReport().unchanged().size() + " already there");
        stack.topicReport().mismatches().forEach(m -> out.println("  WARNING topic differs: " + m));
        if (secured != null) {
            out.println("  security          = "
                    + (secure == BrokerSecurity.Mode.MTLS
                            ? "mTLS (a client certificate per component, its CN the principal)"
                            : "SASL_SSL (SCRAM-SHA-512)")
                    + ", ACLs per component (streamrlhf acls)");
            out.println("  client settings   = " + secured.clientFile().toAbsolutePath()
                    + "  (credentials of every component, mode 0600; pass it as --config)");
            out.println("  registry          = HTTPS with the broker's certificate; users "
                    + BrokerSecurity.REGISTRY_ADMIN + " (admin), one per component (writers, the dashboard a "
                    + "reader; each in the client settings), " + BrokerSecurity.REGISTRY_WRITER + " (writer), "
                    + BrokerSecurity.REGISTRY_READER + " (reader, the shared one); passwords in "
                    + config.dataDir()
                            .resolve("security")
                            .resolve("secrets.properties")
                            .toAbsolutePath());
        }
        out.flush();
        stopped.await();
        return 0;
    }
}
