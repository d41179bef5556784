package io.streamrlhf.schemas.serde;

import java.io.OutputStream;
import java.util.Arrays;

/**
 * A growable byte buffer that one thread reuses for every record it serializes. Unlike
 * {@link java.io.ByteArrayOutputStream} its writes are not synchronized (an uncontended lock per written primitive
 * still costs a compare-and-swap), and its array is kept between records instead of growing from small each time.
 */
final class ByteSink extends OutputStream {

    /** Arrays grown past this are dropped after use, so one huge record does not pin its buffer to the thread. */
    static final int RETAINED_BYTES = 1 << 20;

    private static final int INITIAL_BYTES = 1024;

    private byte[] buf = new byte[INITIAL_BYTES];
    private int count;

    @Override
    public void write(int b) {
        ensure(1);
        buf[count++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, buf, count, len);
        count += len;
    }

    /** Writes {@code value} as four bytes, big-endian. */
    void writeInt(int value) {
        ensure(4);
        buf[count] = (byte) (value >>> 24);
        buf[count + 1] = (byte) (value >>> 16);
        buf[count + 2] = (byte) (value >>> 8);
        buf[count + 3] = (byte) value;
        count += 4;
    }

    /** A copy of what was written. */
    byte[] toByteArray() {
        return Arrays.copyOf(buf, count);
    }

    /** Empties the sink for the next record, keeping its array unless it grew past {@link #RETAINED_BYTES}. */
    void reset() {
        count = 0;
        if (buf.length > RETAINED_BYTES) {
            buf = new byte[INITIAL_BYTES];
        }
    }

    int size() {
        return count;
    }

    int capacity() {
        return buf.length;
    }

    private void ensure(int more) {
        if (count + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, count + more));
        }
    }
}
