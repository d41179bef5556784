package io.streamrlhf.streams.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class WilsonIntervalTest {

    @Test
    void matchesTheTextbookIntervalForEightOfTen() {
        // p = 0.8, n = 10, z = 1.96: [0.4902, 0.9433]
        WilsonInterval w = WilsonInterval.of(8, 10, WilsonInterval.Z95);
        assertThat(w.low()).isCloseTo(0.4902, within(1e-3));
        assertThat(w.high()).isCloseTo(0.9433, within(1e-3));
    }

    @Test
    void staysInsideTheUnitIntervalAtTheExtremes() {
        WilsonInterval none = WilsonInterval.of(0, 5, WilsonInterval.Z95);
        assertThat(none.low()).isEqualTo(0.0);
        assertThat(none.high()).isCloseTo(0.4345, within(1e-3));
        WilsonInterval all = WilsonInterval.of(5, 5, WilsonInterval.Z95);
        assertThat(all.high()).isEqualTo(1.0);
    }

    @Test
    void isTheWholeUnitIntervalWithoutData() {
        assertThat(WilsonInterval.of(0, 0, WilsonInterval.Z95)).isEqualTo(new WilsonInterval(0.0, 1.0));
    }
}
