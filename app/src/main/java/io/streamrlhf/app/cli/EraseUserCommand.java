package io.streamrlhf.app.cli;

import io.streamrlhf.producers.client.ChatFeedbackClient;
import io.streamrlhf.producers.client.PublishException;
import io.streamrlhf.producers.config.ClientConfig;
import io.streamrlhf.producers.config.GatewayConfig;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code streamrlhf erase-user ID}: publishes a {@code UserErased} request for one user, as
 * {@code DELETE /v1/users/{id}} on the gateway does, and prints its request id once Kafka acknowledged it.
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

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
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
