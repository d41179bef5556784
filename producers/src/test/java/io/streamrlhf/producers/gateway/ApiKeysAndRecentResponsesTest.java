package io.streamrlhf.producers.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamrlhf.producers.config.GatewayConfig;
import io.streamrlhf.producers.config.KafkaConnection;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ApiKeysAndRecentResponsesTest {

    private static final String KEY_1 = "secret-key-1-0123456789abcdefghijklmnop";
    private static final String KEY_2 = "secret-key-2-0123456789abcdefghijklmnop";
    /** A key and its SHA-256, computed outside the code under test ({@code printf %s KEY | sha256sum}). */
    private static final String ACME_KEY = "acme-key-0123456789abcdefghijklmnopqrstuvwxyz";

    private static final String ACME_HASH = "c56a729a077cfc9a948bafa2023f6dd8b7249bd0525ffc060db2cdd7beb5bab3";

    private final ApiKeys keys = ApiKeys.ofPlain(Map.of(
            KEY_1, new ApiKeys.Grant("one", "acme", Set.of(Scope.FEEDBACK)),
            KEY_2, new ApiKeys.Grant("two", "globex", Set.of(Scope.RESPONSES, Scope.ERASE))));

    @Test
    void acceptsAConfiguredKeyInTheHeaderOrAsBearerTokenAndNamesItsTenantAndScopes() {
        assertThat(keys.authenticate(KEY_1, null))
                .hasValueSatisfying(g -> assertThat(g.tenant()).isEqualTo("acme"));
        assertThat(keys.authenticate(null, "Bearer " + KEY_2)).hasValueSatisfying(g -> {
            assertThat(g.name()).isEqualTo("two");
            assertThat(g.may(Scope.ERASE)).isTrue();
            assertThat(g.may(Scope.FEEDBACK)).isFalse();
        });
    }

    @Test
    void refusesMissingWrongAndPrefixKeys() {
        assertThat(keys.authenticate(null, null)).isEmpty();
        assertThat(keys.authenticate(KEY_1.substring(0, KEY_1.length() - 1), null))
                .isEmpty();
        assertThat(keys.authenticate("", "Basic c2VjcmV0")).isEmpty();
    }

    @Test
    void aKeysFileLineHoldsTheSha256OfTheKeyAndAuthenticatesIt() {
        ApiKeys file = ApiKeys.parse(
                List.of(
                        "# name tenant scopes hash",
                        "",
                        "acme-web tenant=acme scopes=responses,feedback hash=sha256:" + ACME_HASH),
                "keys.txt");

        assertThat(file.authenticate(ACME_KEY, null)).hasValueSatisfying(g -> {
            assertThat(g.name()).isEqualTo("acme-web");
            assertThat(g.tenant()).isEqualTo("acme");
            assertThat(g.scopes()).containsExactlyInAnyOrder(Scope.RESPONSES, Scope.FEEDBACK);
        });
        assertThat(file.authenticate(ACME_HASH, null)).isEmpty();
    }

    @Test
    void aGeneratedKeyIsLongRandomAndItsLineHoldsNoKeyMaterial() {
        ApiKeys.Generated first = ApiKeys.generate("web", "acme", Set.of(Scope.FEEDBACK), new SecureRandom());
        ApiKeys.Generated second = ApiKeys.generate("web", "acme", Set.of(Scope.FEEDBACK), new SecureRandom());

        assertThat(first.key()).hasSizeGreaterThanOrEqualTo(GatewayConfig.MIN_API_KEY_CHARS);
        assertThat(first.key()).isNotEqualTo(second.key());
        assertThat(first.line()).doesNotContain(first.key().substring(4, 20));
        assertThat(first.toString()).doesNotContain(first.key());
        assertThat(ApiKeys.parse(List.of(first.line()), "generated").authenticate(first.key(), null))
                .hasValueSatisfying(g -> assertThat(g.scopes()).containsExactly(Scope.FEEDBACK));
    }

    @Test
    void badKeysFileLinesAreRefusedNamingTheLine() {
        assertThatThrownBy(() -> ApiKeys.parse(List.of("# c", "web tenant=acme scopes=feedback hash=" + ACME_KEY), "k"))
                .hasMessageStartingWith("k line 2: hash must be sha256:")
                .hasMessageNotContaining(ACME_KEY);
        assertThatThrownBy(() ->
                        ApiKeys.parse(List.of("web tenant=acme scopes=feedback,vote hash=sha256:" + ACME_HASH), "k"))
                .hasMessageContaining("unknown scope 'vote'");
        assertThatThrownBy(
                        () -> ApiKeys.parse(List.of("web tenant=Acme:x scopes=feedback hash=sha256:" + ACME_HASH), "k"))
                .hasMessageContaining("no ':'");
        assertThatThrownBy(() -> ApiKeys.parse(
                        List.of(
                                "web tenant=a scopes=feedback hash=sha256:" + ACME_HASH,
                                "web tenant=b scopes=feedback hash=sha256:" + ACME_HASH.replace('c', 'd')),
                        "k"))
                .hasMessageContaining("two API keys are named 'web'");
    }

    @Test
    void plainKeysBelongToTheDefaultTenantAndTheEraseAliasAddsTheEraseScope() {
        GatewayConfig config = GatewayConfig.defaults(Set.of(KEY_1, KEY_2), KafkaConnection.of("unused:9092"))
                .withEraseApiKeys(Set.of(KEY_2, ACME_KEY))
                .withDefaultTenant("shop");

        ApiKeys plain = ApiKeys.load(config);

        assertThat(plain.authenticate(KEY_1, null)).hasValueSatisfying(g -> {
            assertThat(g.tenant()).isEqualTo("shop");
            assertThat(g.scopes())
                    .containsExactlyInAnyOrder(Scope.RESPONSES, Scope.FEEDBACK, Scope.PREFERENCES, Scope.POLICY);
        });
        assertThat(plain.authenticate(KEY_2, null))
                .hasValueSatisfying(g -> assertThat(g.may(Scope.ERASE)).isTrue());
        assertThat(plain.authenticate(ACME_KEY, null))
                .hasValueSatisfying(g -> assertThat(g.scopes()).containsExactly(Scope.ERASE));
        assertThat(plain.toString()).doesNotContain(KEY_1).doesNotContain(KEY_2);
    }

    @Test
    void keysShorterThan32CharactersAreRefusedAtStartNamingTheSettingButNotTheKey() {
        KafkaConnection kafka = KafkaConnection.of("unused:9092");
        assertThatThrownBy(() -> GatewayConfig.defaults(Set.of("short-key-12345"), kafka))
                .hasMessageStartingWith("gateway.api.keys holds 1 key(s) shorter than 32 characters")
                .hasMessageNotContaining("short-key-12345");
        assertThatThrownBy(() -> GatewayConfig.defaults(Set.of(KEY_1), kafka).withEraseApiKeys(Set.of("erase-me-123")))
                .hasMessageStartingWith("gateway.erase.api.keys holds 1 key(s)");
        assertThatThrownBy(() -> GatewayConfig.defaults(Set.of(), kafka)).hasMessageContaining("gateway.keys.file");
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
