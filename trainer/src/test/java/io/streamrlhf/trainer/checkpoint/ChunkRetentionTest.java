package io.streamrlhf.trainer.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class ChunkRetentionTest {

    @Test
    void keepsVersionZeroTheLastNAndPromotedVersionsAndDropsTheRest() {
        // given versions 0..9, the last 3 kept, version 4 promoted
        TreeSet<Long> stored = new TreeSet<>(Set.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L));

        // then 7, 8, 9 (newest), 0 (warm start) and 4 (promoted) stay
        assertThat(ChunkRetention.dropped(stored, Set.of(4L), 3)).containsExactly(1L, 2L, 3L, 5L, 6L);
    }

    @Test
    void dropsNothingWhileThereAreAtMostNVersions() {
        assertThat(ChunkRetention.dropped(new TreeSet<>(Set.of(0L, 5L, 6L)), Set.of(), 3))
                .isEmpty();
    }

    @Test
    void countsTheLastNAmongStoredVersionsNotByNumber() {
        // given gaps left by earlier retention: 0, 3, 9, 12 stored, the last 2 kept
        assertThat(ChunkRetention.dropped(new TreeSet<>(Set.of(0L, 3L, 9L, 12L)), Set.of(), 2))
                .containsExactly(3L);
    }
}
