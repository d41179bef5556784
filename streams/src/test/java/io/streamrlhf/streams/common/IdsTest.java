package io.streamrlhf.streams.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class IdsTest {

    @Test
    void idsAreTheNameBasedUuidsOfTheJoinedPartsAsBefore() {
        // Ids are stable across releases: a correction must carry the id of the example it replaces.
        for (String[] parts : new String[][] {{"kto", "r-1", "u-1"}, {"dpo-EXPLICIT", "p", "a", "b"}, {""},
                {"kto", "résumé ✓", "user"}}) {
            String joined = String.join("\u0000", parts);
            assertThat(Ids.uuid(parts))
                    .isEqualTo(UUID.nameUUIDFromBytes(joined.getBytes(StandardCharsets.UTF_8)).toString());
        }
        assertThat(Ids.ktoExample("r-1", "u-1")).isEqualTo("kto-" + UUID.nameUUIDFromBytes(
                "kto\u0000r-1\u0000u-1".getBytes(StandardCharsets.UTF_8)));
    }
}
