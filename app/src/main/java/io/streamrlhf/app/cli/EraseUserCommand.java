package io.streamrlhf.app.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamrlhf.avro.ErasureReport;
import io.streamrlhf.config.Parsers;
import io.streamrlhf.producers.client.ChatFeedbackClient;
import io.streamrlhf.producers.client.ErasureReportReader;
import io.streamrlhf.producers.client.PublishException;
import io.streamrlhf.producers.config.ClientConfig;
import io.streamrlhf.producers.config.GatewayConfig;
import io.streamrlhf.producers.erasure.ErasureReports;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code streamrlhf erase-user ID}: publishes a {@code UserErased} request for one user, as
 * {@code DELETE /v1/users/{id}} on the gateway does, and prints its request id once Kafka acknowledged it. With
 * {@code --wait} it then waits for the erasure reporter's report on that request and prints it as JSON.
 */
@Command(
        name = "erase-user",
        mixinStandardHelpOptions = true,
        description = "Erase a user: the streams drop the user's state and refuse the user's later events.")
public final class EraseUserCommand implements Callable<Integer> {

    @Mixin
    CommonOptions options;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID", description = "The user id, as the chat product sends it.")
    String userId;

    @Option(
            names = "--tenant",
            paramLabel = "TENANT",
            description = "The tenant of the gateway key the user's events came through: erases TENANT:ID, as the "
                    + "gateway writes it (plain gateway.api.keys use gateway.default.tenant, 'default').")
    String tenant;

    @Option(
            names = "--reason",
            paramLabel = "TEXT",
            description = "Why (for example a ticket number); never personal data.")
    String reason;

    @Option(
            names = "--wait",
            description = "Wait for the erasure report (written by the `erasures` component) and print it as JSON.")
    boolean waitForReport;

    @Option(
            names = "--timeout",
            paramLabel = "DURATION",
            defaultValue = "2m",
            description = "How long --wait waits for the report, as durations in settings (default ${DEFAULT-VALUE}).")
    String timeoutText;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        // Parsed before anything is written, so a bad value fails without an erasure.
        Duration timeout = Parsers.duration("--timeout", timeoutText);
        String requestId;
        try {
            requestId = erase(options.settings().asMap(), qualifiedUserId(), reason);
        } catch (PublishException e) {
            spec.commandLine()
                    .getErr()
                    .println("streamrlhf: the erasure was not acknowledged (" + e.reason() + "): " + e.getMessage()
                            + (e.reason().retriable() ? "; run the command again" : ""));
            spec.commandLine().getErr().flush();
            return 1;
        }
        out.println("Erasure of user " + qualifiedUserId() + " recorded: request " + requestId);
        out.flush();
        if (!waitForReport) {
            return 0;
        }
        Optional<ErasureReport> report;
        try (ErasureReportReader reader = ErasureReportReader.connect(
                ClientConfig.fromProperties(options.settings().asMap()))) {
            report = reader.await(qualifiedUserId(), requestId, timeout);
        }
        if (report.isEmpty()) {
            spec.commandLine()
                    .getErr()
                    .println("streamrlhf: no erasure report for request " + requestId + " within " + timeout
                            + "; is the erasures component running (`streamrlhf run erasures`)?");
            spec.commandLine().getErr().flush();
            return 2;
        }
        try {
            out.println(new ObjectMapper()
                    .writerWithDefaultPrettyPrinter()
                    .writeValueAsString(ErasureReports.toMap(report.get())));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot render the erasure report as JSON", e);
        }
        out.flush();
        return 0;
    }

    /** The user id as events carry it: namespaced by the tenant when one is named. */
    String qualifiedUserId() {
        return tenant == null ? userId : GatewayConfig.requireTenant(tenant, "--tenant") + ':' + userId;
    }

    /** Writes the erasure request with the client settings in {@code settings}; returns its request id. */
    static String erase(Map<String, String> settings, String userId, String reason) {
        ClientConfig config = ClientConfig.fromProperties(settings);
        // The producer gives up after max.block plus its delivery timeout; the margin only guards a lost callback.
        long timeoutMillis =
                config.maxBlock().plus(config.deliveryTimeout()).plusSeconds(5).toMillis();
        try (ChatFeedbackClient client = ChatFeedbackClient.connect(config)) {
            return PublishException.await(client.eraseUser(userId, reason), timeoutMillis);
        }
    }
}
