package io.streamrlhf.app;

import io.streamrlhf.app.cli.ComponentCommand;
import io.streamrlhf.app.cli.DemoCommand;
import io.streamrlhf.app.cli.UpCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code streamrlhf} command line. */
@Command(name = "streamrlhf", mixinStandardHelpOptions = true, version = "streamrlhf 0.1.0",
        description = "Continuous RLHF from live feedback on Kafka.",
        subcommands = {DemoCommand.class, UpCommand.class, ComponentCommand.class, CommandLine.HelpCommand.class})
public final class StreamRlhf {

    private StreamRlhf() {
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new StreamRlhf()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }
}
