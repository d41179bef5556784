package io.streamrlhf.app.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.config.KeyCatalog;
import io.streamrlhf.config.Setting;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ConfigDocsTest {

    /** Surefire runs in the module folder; the reference lives at the repository root. */
    private static final Path COMMITTED = Path.of("..", "docs", "configuration.md");

    @Test
    void committedReferenceMatchesTheKeyDefinitions() throws Exception {
        String committed = Files.exists(COMMITTED) ? Files.readString(COMMITTED) : "";

        assertThat(committed)
                .as("docs/configuration.md is stale; run %s to regenerate", ConfigDocs.REGENERATE)
                .isEqualTo(ConfigDocs.markdown());
    }

    @Test
    void everyKeyIsDocumentedAndNoOldNameIsStillAKey() {
        KeyCatalog catalog = KnownSettings.catalog();
        String md = ConfigDocs.markdown();

        for (Setting<?> s : catalog.settings()) {
            assertThat(md).contains("| `" + s.displayName() + "` |");
            assertThat(s.doc()).isNotBlank();
        }
        ConfigDocs.RENAMED
                .keySet()
                .forEach(old -> assertThat(catalog.isKnown(old)).as(old).isFalse());
        assertThat(md)
                .contains("| `kto.settle.delay` | duration | `30s` |", "| `trainer.model.tied` | boolean | `true` |");
    }
}
