package io.streamrlhf.trainer.loop;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamrlhf.trainer.batch.UnpairedExample;
import io.streamrlhf.trainer.loop.ExampleBuffer.Outcome;
import org.junit.jupiter.api.Test;

class ExampleBufferTest {

    private static UnpairedExample example(String id, boolean label) {
        return new UnpairedExample(id, "p", "c", label, 1.0);
    }

    @Test
    void weightZeroCancelsAPendingExampleWithTheSameId() {
        // given
        ExampleBuffer<UnpairedExample> buffer = new ExampleBuffer<>(UnpairedExample::id, 10);
        buffer.offer(example("a", true), false);
        buffer.offer(example("b", true), false);
        // when
        Outcome outcome = buffer.offer(example("a", true), true);
        // then
        assertThat(outcome).isEqualTo(Outcome.CANCELLED);
        assertThat(buffer.take(10)).extracting(UnpairedExample::id).containsExactly("b");
    }

    @Test
    void aCorrectionReplacesThePendingEmissionSoTheNewestLabelWins() {
        // given
        ExampleBuffer<UnpairedExample> buffer = new ExampleBuffer<>(UnpairedExample::id, 10);
        buffer.offer(example("a", true), false);
        // when
        Outcome outcome = buffer.offer(example("a", false), false);
        // then
        assertThat(outcome).isEqualTo(Outcome.REPLACED);
        assertThat(buffer.take(10))
                .singleElement()
                .extracting(UnpairedExample::desirable)
                .isEqualTo(false);
    }

    @Test
    void cancellingAnAlreadyTrainedExampleIsReportedAsLate() {
        // given
        ExampleBuffer<UnpairedExample> buffer = new ExampleBuffer<>(UnpairedExample::id, 10);
        buffer.offer(example("a", true), false);
        buffer.take(1);
        // when / then
        assertThat(buffer.offer(example("a", true), true)).isEqualTo(Outcome.CANCELLED_LATE);
        assertThat(buffer.offer(example("never", true), true)).isEqualTo(Outcome.IGNORED);
        assertThat(buffer.size()).isZero();
    }

    @Test
    void takeReturnsTheOldestFirstAndAtMostN() {
        // given
        ExampleBuffer<UnpairedExample> buffer = new ExampleBuffer<>(UnpairedExample::id, 10);
        for (String id : new String[] {"1", "2", "3"}) {
            buffer.offer(example(id, true), false);
        }
        // when / then
        assertThat(buffer.take(2)).extracting(UnpairedExample::id).containsExactly("1", "2");
        assertThat(buffer.size()).isEqualTo(1);
    }
}
