package io.streamrlhf.app.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {

    @Test
    void laterLayersOverrideEarlierOnes(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("stack.properties");
        Files.writeString(file, "bootstrap.servers=file:9092\nregistry.url=http://file\ntrainer.batch.size=8\n");

        Settings settings = Settings.load(file,
                Map.of("STREAMRLHF_BOOTSTRAP_SERVERS", "env:9092", "STREAMRLHF_TRAINER_BATCH_SIZE", "16", "HOME", "/root"),
                Map.of("trainer.batch.size", "32"));

        assertThat(settings.get("bootstrap.servers", "")).isEqualTo("env:9092");
        assertThat(settings.get("registry.url", "")).isEqualTo("http://file");
        assertThat(settings.get("trainer.batch.size", "")).isEqualTo("32");
        assertThat(settings.get("home")).isEmpty();
    }

    @Test
    void prefixedSettingsAreStrippedForKafkaClients() {
        Settings settings = Settings.of(Map.of("kafka.security.protocol", "SASL_SSL", "registry.url", "x"));
        assertThat(settings.withPrefix("kafka.")).containsExactly(Map.entry("security.protocol", "SASL_SSL"));
    }

    @Test
    void missingConfigFileFailsNamingThePath(@TempDir Path dir) {
        assertThatThrownBy(() -> Settings.load(dir.resolve("nope.properties"), Map.of(), Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nope.properties");
    }
}
