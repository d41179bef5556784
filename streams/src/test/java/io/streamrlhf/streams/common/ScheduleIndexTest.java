package io.streamrlhf.streams.common;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ScheduleIndexTest {

    @Test
    void timesAreSixteenHexDigitsSoKeysSortByTime() {
        for (long t : new long[] {0, 1, 15, 16, 255, 1_700_000_000_000L, Long.MAX_VALUE}) {
            assertThat(ScheduleIndex.hex16(t)).isEqualTo(String.format("%016x", t));
        }
        assertThat(ScheduleIndex.hex16(-5)).isEqualTo("0000000000000000");
        assertThat(ScheduleIndex.hex16(9).compareTo(ScheduleIndex.hex16(10))).isNegative();
    }
}
