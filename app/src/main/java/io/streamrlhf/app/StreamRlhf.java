package io.streamrlhf.app;

import io.streamrlhf.app.cli.AclsCommand;
import io.streamrlhf.app.cli.ComponentCommand;
import io.streamrlhf.app.cli.ConfigCommand;
import io.streamrlhf.app.cli.DemoCommand;
import io.streamrlhf.app.cli.EraseUserCommand;
import io.streamrlhf.app.cli.ExportCommand;
import io.streamrlhf.app.cli.GatewayKeyCommand;
import io.streamrlhf.app.cli.GenerateCommand;
import io.streamrlhf.app.cli.RegistryCommand;
import io.streamrlhf.app.cli.ReplayCommand;
import io.streamrlhf.app.cli.TopicsCommand;
import io.streamrlhf.app.cli.UpCommand;
import io.streamrlhf.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code streamrlhf} command line. */
@Command(
        name = "streamrlhf",
        mixinStandardHelpOptions = true,
        version = "streamrlhf 0.1.0",
        description = "Continuous RLHF from live feedback on Kafka.",
        subcommands = {
            DemoCommand.class,
            UpCommand.class,
            ComponentCommand.class,
            RegistryCommand.class,
            TopicsCommand.class,
            AclsCommand.class,
            ConfigCommand.class,
            GenerateCommand.class,
            ExportCommand.class,
            ReplayCommand.class,
            EraseUserCommand.class,
            GatewayKeyCommand.class,
            CommandLine.HelpCommand.class
        })
public final class StreamRlhf {

    /** Exit code of a missing, malformed or unknown setting (as for a command-line usage error). */
    public static final int CONFIG_ERROR = 2;

    private StreamRlhf() {}

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /**
     * The command line, with a bad setting reported as one line on stderr naming the key and how to set it, and
     * exit code {@value #CONFIG_ERROR}, rather than a stack trace.
     */
    public static CommandLine commandLine() {
        return new CommandLine(new StreamRlhf())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler((e, cmd, parseResult) -> {
                    ConfigException config = configException(e);
                    if (config == null) {
                        throw e;
                    }
                    cmd.getErr().println("streamrlhf: " + config.getMessage());
                    cmd.getErr().flush();
                    return CONFIG_ERROR;
                });
    }

    /** The configuration error behind {@code e}, if any (a component may wrap it while starting). */
    private static ConfigException configException(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConfigException c) {
                return c;
            }
        }
        return null;
    }
}
