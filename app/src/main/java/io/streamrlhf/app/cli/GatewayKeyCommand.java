package io.streamrlhf.app.cli;

import io.streamrlhf.producers.gateway.ApiKeys;
import io.streamrlhf.producers.gateway.Scope;
import java.io.PrintWriter;
import java.security.SecureRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code streamrlhf gateway-key --tenant T --scopes a,b}: draws a random API key for the gateway, prints it once,
 * and prints the keys-file line (its SHA-256 hash, tenant and scopes) to add to {@code gateway.keys.file}. The key
 * itself is stored nowhere.
 */
@Command(
        name = "gateway-key",
        mixinStandardHelpOptions = true,
        description = "Make a gateway API key: prints the key once and the line to add to gateway.keys.file.")
public final class GatewayKeyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(
            names = "--tenant",
            required = true,
            paramLabel = "TENANT",
            description = "Tenant whose users the key writes and erases (lower-case letters, digits, '.', '_', '-').")
    String tenant;

    @Option(
            names = "--scopes",
            paramLabel = "LIST",
            defaultValue = "responses,feedback,preferences",
            description =
                    "Comma-separated: responses, feedback, preferences, erase, policy (default: ${DEFAULT-VALUE}).")
    String scopes;

    @Option(
            names = "--name",
            paramLabel = "NAME",
            description = "Name of the key in logs and limits (default: TENANT-key-N, N random).")
    String name;

    @Override
    public Integer call() {
        SecureRandom random = new SecureRandom();
        String keyName = name != null ? name : tenant + "-key-" + Integer.toHexString(random.nextInt(0x10000));
        ApiKeys.Generated generated;
        try {
            generated = ApiKeys.generate(keyName, tenant, Scope.parseList(scopes), random);
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("streamrlhf gateway-key: " + e.getMessage());
            spec.commandLine().getErr().flush();
            return 2;
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("API key (shown once, store it in the client's secret store):");
        out.println("  " + generated.key());
        out.println("Add this line to the file named by gateway.keys.file (it holds only the key's hash):");
        out.println(generated.line());
        out.flush();
        return 0;
    }
}
