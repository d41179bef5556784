package io.streamrlhf.app.cli;

import io.streamrlhf.app.StreamRlhf;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/**
 * Runs {@code streamrlhf} commands in this JVM, as the launcher's {@code main} would, and keeps what they printed:
 * standard output and standard error apart, accumulated over every {@link #run} of one instance.
 */
final class CommandRun {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    /** Runs one command line and returns its exit code. */
    int run(String... args) {
        CommandLine cli = StreamRlhf.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    /** What the commands printed to standard output so far. */
    String out() {
        return out.toString();
    }

    /** What the commands printed to standard error so far. */
    String err() {
        return err.toString();
    }
}
