package io.streamrlhf.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.app.StreamRlhf;
import io.streamrlhf.producers.gateway.ApiKeys;
import io.streamrlhf.producers.gateway.Scope;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code streamrlhf gateway-key}: a key shown once, and a keys-file line that holds only its hash. */
class GatewayKeyCommandTest {

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = StreamRlhf.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        return cli.execute(args);
    }

    @Test
    void printsAKeyOnceAndTheLineThatMakesTheGatewayAcceptIt() {
        int code = run("gateway-key", "--tenant", "acme", "--scopes", "feedback,erase", "--name", "acme-support");

        assertThat(code).isZero();
        List<String> lines = out.toString().lines().toList();
        String key = lines.get(1).strip();
        String line = lines.get(3);
        assertThat(key).hasSizeGreaterThanOrEqualTo(32);
        assertThat(out.toString().split(java.util.regex.Pattern.quote(key), -1)).hasSize(2);
        assertThat(line).startsWith("acme-support tenant=acme scopes=feedback,erase hash=sha256:");
        assertThat(ApiKeys.parse(List.of(line), "printed").authenticate(key, null))
                .hasValueSatisfying(
                        grant -> assertThat(grant.scopes()).containsExactlyInAnyOrder(Scope.FEEDBACK, Scope.ERASE));
    }

    @Test
    void refusesAnUnknownScopeNamingTheChoices() {
        int code = run("gateway-key", "--tenant", "acme", "--scopes", "vote");

        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("unknown scope 'vote'").contains("responses,feedback");
        assertThat(out.toString()).isEmpty();
    }
}
