package io.streamrlhf.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ByteSinkTest {

    @Test
    void growsKeepsItsArrayAndCopiesOut() {
        ByteSink sink = new ByteSink();
        sink.write(7);
        sink.writeInt(0x01020304);
        byte[] big = new byte[3000];
        Arrays.fill(big, (byte) 9);
        sink.write(big, 0, big.length);

        byte[] out = sink.toByteArray();
        assertThat(out).hasSize(3005);
        assertThat(Arrays.copyOf(out, 5)).containsExactly(7, 1, 2, 3, 4);
        assertThat(out[3004]).isEqualTo((byte) 9);

        int grown = sink.capacity();
        sink.reset();
        assertThat(sink.size()).isZero();
        assertThat(sink.capacity()).isEqualTo(grown);
        sink.write(1);
        assertThat(sink.toByteArray()).containsExactly(1);
        assertThat(out).hasSize(3005); // the copy handed out is not the sink's array
    }

    @Test
    void dropsAnArrayThatGrewPastTheRetainedSize() {
        ByteSink sink = new ByteSink();
        byte[] huge = new byte[ByteSink.RETAINED_BYTES + 1];
        sink.write(huge, 0, huge.length);
        sink.reset();
        assertThat(sink.capacity()).isLessThan(ByteSink.RETAINED_BYTES);
    }
}
