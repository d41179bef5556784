package io.streamrlhf.streams.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.schemas.monitor.VersionStats;
import io.streamrlhf.streams.avro.MonitorEvent;
import io.streamrlhf.streams.avro.MonitorKind;
import io.streamrlhf.streams.avro.VersionMinuteStats;
import org.junit.jupiter.api.Test;

class MonitorAggregatorTest {

    @Test
    void countsEachKindAndDerivesRatesForServing() {
        MonitorAggregator agg = new MonitorAggregator();
        VersionMinuteStats s = MonitorAggregator.empty();
        s = agg.apply("3", new MonitorEvent(3L, MonitorKind.RESPONSE, 10.0), s);
        s = agg.apply("3", new MonitorEvent(3L, MonitorKind.RESPONSE, 20.0), s);
        s = agg.apply("3", new MonitorEvent(3L, MonitorKind.FEEDBACK_UP, 0.0), s);
        s = agg.apply("3", new MonitorEvent(3L, MonitorKind.FEEDBACK_UP, 0.0), s);
        s = agg.apply("3", new MonitorEvent(3L, MonitorKind.FEEDBACK_DOWN, 0.0), s);
        s = agg.apply("3", new MonitorEvent(3L, MonitorKind.JUDGE_PASS, 1.0), s);
        s = agg.apply("3", new MonitorEvent(3L, MonitorKind.JUDGE_FAIL, 0.0), s);
        s = agg.apply("3", new MonitorEvent(3L, MonitorKind.EXAMPLE, 1.0), s);
        s = agg.apply("3", new MonitorEvent(3L, MonitorKind.PAIR_JUDGE, 1.0), s);
        s = agg.apply("3", new MonitorEvent(3L, MonitorKind.DEAD_LETTER, 0.0), s);

        VersionStats v = VersionCounters.toStats(3, 0, 60_000, s);
        assertThat(v.responses()).isEqualTo(2);
        assertThat(v.meanCompletionLength()).isEqualTo(15.0);
        assertThat(v.feedback()).isEqualTo(3);
        assertThat(v.thumbsUpRate()).isEqualTo(2.0 / 3);
        assertThat(v.thumbsUpLow()).isLessThan(2.0 / 3);
        assertThat(v.thumbsUpHigh()).isGreaterThan(2.0 / 3);
        assertThat(v.judgePassRate()).isEqualTo(0.5);
        assertThat(v.examples()).isEqualTo(1);
        assertThat(v.pairsJudge()).isEqualTo(1);
        assertThat(v.deadLetters()).isEqualTo(1);
    }

    @Test
    void leavesRatesEmptyWhenNothingWasCounted() {
        VersionStats v = VersionCounters.toStats(1, 0, 60_000, MonitorAggregator.empty());
        assertThat(v.thumbsUpRate()).isNull();
        assertThat(v.judgePassRate()).isNull();
        assertThat(v.meanCompletionLength()).isNull();
    }
}
