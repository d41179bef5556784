package io.streamrlhf.app.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code erase-user --tenant T ID} names the user as the gateway writes a tenant's users: {@code T:ID}. */
class EraseUserCommandTest {

    private static EraseUserCommand parse(String... args) {
        EraseUserCommand command = new EraseUserCommand();
        new CommandLine(command).parseArgs(args);
        return command;
    }

    @Test
    void aTenantNamespacesTheUserIdAsTheGatewayDoes() {
        assertThat(parse("--tenant", "acme", "bob").qualifiedUserId()).isEqualTo("acme:bob");
        assertThat(parse("bob").qualifiedUserId()).isEqualTo("bob");
    }

    @Test
    void refusesATenantTheGatewayCouldNotHave() {
        assertThatThrownBy(() -> parse("--tenant", "Acme:x", "bob").qualifiedUserId())
                .hasMessageContaining("--tenant");
    }
}
