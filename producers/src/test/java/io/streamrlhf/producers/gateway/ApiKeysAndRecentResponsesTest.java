package io.streamrlhf.producers.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

class ApiKeysAndRecentResponsesTest {

    private final ApiKeys keys = new ApiKeys(Set.of("secret-key-1", "secret-key-2"));

    @Test
    void acceptsAConfiguredKeyInTheHeaderOrAsBearerToken() {
        assertThat(keys.accepts("secret-key-1", null)).isTrue();
        assertThat(keys.accepts(null, "Bearer secret-key-2")).isTrue();
    }

    @Test
    void refusesMissingWrongAndPrefixKeys() {
        assertThat(keys.accepts(null, null)).isFalse();
        assertThat(keys.accepts("secret-key", null)).isFalse();
        assertThat(keys.accepts("", "Basic c2VjcmV0")).isFalse();
    }

    @Test
    void forgetsTheLeastRecentlyUsedResponseWhenFull() {
        // given
        RecentResponses recent = new RecentResponses(2);
        recent.remember("r1", "p1");
        recent.remember("r2", "p2");

        // when: r1 is used, then a third arrives
        recent.promptOf("r1");
        recent.remember("r3", "p3");

        // then
        assertThat(recent.promptOf("r2")).isEmpty();
        assertThat(recent.promptOf("r1")).contains("p1");
        assertThat(recent.promptOf("r3")).contains("p3");
        assertThat(recent.size()).isEqualTo(2);
    }
}
