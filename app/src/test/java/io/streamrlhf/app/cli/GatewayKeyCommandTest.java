package io.streamrlhf.app.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.producers.gateway.ApiKeys;
import io.streamrlhf.producers.gateway.Scope;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code streamrlhf gateway-key}: a key shown once, and a keys-file line that holds only its hash. */
class GatewayKeyCommandTest {

    private final CommandRun cli = new CommandRun();

    @Test
    void printsAKeyOnceAndTheLineThatMakesTheGatewayAcceptIt() {
        int code = cli.run("gateway-key", "--tenant", "acme", "--scopes", "feedback,erase", "--name", "acme-support");

        assertThat(code).isZero();
        List<String> lines = cli.out().lines().toList();
        String key = lines.get(1).strip();
        String line = lines.get(3);
        assertThat(key).hasSizeGreaterThanOrEqualTo(32);
        assertThat(cli.out().split(java.util.regex.Pattern.quote(key), -1)).hasSize(2);
        assertThat(line).startsWith("acme-support tenant=acme scopes=feedback,erase hash=sha256:");
        assertThat(ApiKeys.parse(List.of(line), "printed").authenticate(key, null))
                .hasValueSatisfying(
                        grant -> assertThat(grant.scopes()).containsExactlyInAnyOrder(Scope.FEEDBACK, Scope.ERASE));
    }

    @Test
    void refusesAnUnknownScopeNamingTheChoices() {
        int code = cli.run("gateway-key", "--tenant", "acme", "--scopes", "vote");

        assertThat(code).isEqualTo(2);
        assertThat(cli.err()).contains("unknown scope 'vote'").contains("responses,feedback");
        assertThat(cli.out()).isEmpty();
    }
}
