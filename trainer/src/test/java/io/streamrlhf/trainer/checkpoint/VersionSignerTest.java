package io.streamrlhf.trainer.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class VersionSignerTest {

    private static final String KEY = "a-signing-key-of-at-least-32-characters!";
    private static final byte[] VALUE = "policy version bytes".getBytes(StandardCharsets.UTF_8);

    @Test
    void signsWithHmacSha256OverTheExactBytes() {
        // given the value openssl computed: printf '%s' 'policy version bytes' | openssl dgst -sha256 -hmac KEY
        String openssl = "3c61cd50ae8635b4affdfa04d1b83d58181f9f0a6e66995e4858fc81ee174ed4";
        // when signed here, then it is the same MAC
        assertThat(HexFormat.of().formatHex(new VersionSigner(KEY).sign(VALUE))).isEqualTo(openssl);
    }

    @Test
    void verifiesItsOwnSignatureAndNothingElse() {
        VersionSigner signer = new VersionSigner(KEY);
        byte[] signature = signer.sign(VALUE);
        byte[] altered = VALUE.clone();
        altered[0] ^= 1;
        assertThat(signer.verify(VALUE, signature)).isTrue();
        assertThat(signer.verify(altered, signature)).isFalse();
        assertThat(signer.verify(VALUE, null)).isFalse();
        assertThat(signer.verify(VALUE, new byte[0])).isFalse();
        assertThat(new VersionSigner(KEY + "x").verify(VALUE, signature)).isFalse();
    }

    @Test
    void refusesAShortKeyWithoutShowingIt() {
        assertThatThrownBy(() -> new VersionSigner("short-secret-value"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("32")
                .hasMessageNotContaining("short-secret-value");
    }

    @Test
    void neverPrintsItsKey() {
        assertThat(new VersionSigner(KEY).toString()).doesNotContain(KEY).contains("****");
    }
}
