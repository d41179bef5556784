package io.streamrlhf.app.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class SeriesTest {

    @Test
    void keepsEveryPointUntilFull() {
        Series series = new Series(8);
        for (int i = 0; i < 5; i++) {
            series.add(i, i * 10);
        }
        assertThat(series.points()).extracting(p -> p[1]).containsExactly(0.0, 10.0, 20.0, 30.0, 40.0);
        assertThat(series.stride()).isEqualTo(1);
    }

    @Test
    void averagesNeighboursWhenFullSoMemoryStaysBoundedAndTheShapeSurvives() {
        Series series = new Series(8);
        for (int i = 0; i < 1000; i++) {
            series.add(i, i);
        }
        List<double[]> points = series.points();
        assertThat(points.size()).isLessThanOrEqualTo(9);
        // A straight line stays on the line after averaging, and still spans the whole run.
        points.forEach(p -> assertThat(p[1]).isCloseTo(p[0], within(1e-9)));
        assertThat(points.get(0)[0]).isLessThan(100);
        assertThat(points.get(points.size() - 1)[0]).isGreaterThan(900);
        assertThat(series.last()).isEqualTo(999);
    }

    @Test
    void dropsValuesJsonCannotCarry() {
        Series series = new Series(4);
        series.add(1, Double.NaN);
        series.add(2, Double.POSITIVE_INFINITY);
        series.add(3, 0.5);
        assertThat(series.points()).hasSize(1);
        assertThat(series.points().get(0)).containsExactly(3, 0.5);
    }

    @Test
    void rejectsAnOddCapacity() {
        assertThatThrownBy(() -> new Series(5)).hasMessageContaining("even");
    }
}
