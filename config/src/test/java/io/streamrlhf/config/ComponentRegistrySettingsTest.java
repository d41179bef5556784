package io.streamrlhf.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A component's own registry credentials ({@code <component>.schema.registry.basic.auth.user.info}) replace the
 * shared ones for that component only, and the key is accepted and masked like the shared one.
 */
class ComponentRegistrySettingsTest {

    private static final Map<String, String> SETTINGS = Map.of(
            "schema.registry.url", "https://127.0.0.1:8081",
            "schema.registry.basic.auth.user.info", "reader:r-pw",
            "trainer.schema.registry.basic.auth.user.info", "trainer:t-pw");

    @Test
    void componentWithItsOwnCredentialsSeesThemInPlaceOfTheSharedOnes() {
        Map<String, String> trainer = ClusterSettings.forComponent(SETTINGS, "trainer");

        assertThat(trainer)
                .containsEntry("schema.registry.basic.auth.user.info", "trainer:t-pw")
                .containsEntry("schema.registry.url", "https://127.0.0.1:8081");
        assertThat(ClusterSettings.hasOwnRegistrySettings(SETTINGS, "trainer")).isTrue();
    }

    @Test
    void componentWithoutItsOwnCredentialsKeepsTheSharedOnes() {
        assertThat(ClusterSettings.forComponent(SETTINGS, "dashboard"))
                .containsEntry("schema.registry.basic.auth.user.info", "reader:r-pw");
        assertThat(ClusterSettings.hasOwnRegistrySettings(SETTINGS, "dashboard"))
                .isFalse();
    }

    @Test
    void perComponentKeyIsKnownAndSecretButAnUnknownComponentsIsNot() {
        KeyCatalog catalog = new KeyCatalog(ClusterSettings.ALL, List.of());

        assertThat(catalog.isKnown("trainer.schema.registry.basic.auth.user.info"))
                .isTrue();
        assertThat(catalog.isSecret("trainer.schema.registry.basic.auth.user.info"))
                .isTrue();
        assertThat(catalog.isKnown("nobody.schema.registry.basic.auth.user.info"))
                .isFalse();
        assertThat(catalog.isKnown("trainer.schema.registry.url")).isFalse();
    }
}
