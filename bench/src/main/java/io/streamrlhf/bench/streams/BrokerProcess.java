package io.streamrlhf.bench.streams;

import io.streamrlhf.localstack.broker.EmbeddedKafkaBroker;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The embedded broker in a JVM of its own, as a broker runs in production: its threads and its JIT compiler no longer
 * share a process with the clients being measured (they still share the machine's cores). {@link #main} starts the
 * broker, prints {@code BOOTSTRAP=host:port} and runs until its standard input closes.
 */
final class BrokerProcess implements AutoCloseable {

    private static final String PREFIX = "BOOTSTRAP=";
    private final Process process;
    private final String bootstrapServers;

    private BrokerProcess(Process process, String bootstrapServers) {
        this.process = process;
        this.bootstrapServers = bootstrapServers;
    }

    /** Starts the broker in a child JVM on this JVM's class path and waits for its address. */
    static BrokerProcess start() throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                BrokerProcess.class.getName()));
        Process p = new ProcessBuilder(cmd)
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith(PREFIX)) {
                return new BrokerProcess(p, line.substring(PREFIX.length()).trim());
            }
        }
        p.destroyForcibly();
        throw new IOException("the broker process ended before it printed its address (exit " + p.exitValue() + ")");
    }

    String bootstrapServers() {
        return bootstrapServers;
    }

    @Override
    public void close() throws InterruptedException, IOException {
        process.getOutputStream().close();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }

    /** Child side: start, print the address, serve until standard input closes. */
    public static void main(String[] args) throws IOException {
        try (EmbeddedKafkaBroker broker = EmbeddedKafkaBroker.temporary().start()) {
            System.out.println(PREFIX + broker.bootstrapServers());
            System.out.flush();
            while (System.in.read() >= 0) {
                // wait for the parent to close our standard input
            }
        }
    }
}
