package io.streamrlhf.streams.common;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable byte array for the hand-written encoders of hot records ({@link KtoStateSerde}, the KTO examples' sink),
 * writing Avro's binary primitives: zigzag varints for ints, longs and lengths, strings as a length and UTF-8 bytes,
 * doubles as eight little-endian bytes. Not synchronized: one per thread, reused for every record.
 */
public final class BinaryOut {

    /** Arrays grown past this are dropped after use, so one huge record does not pin its buffer to the thread. */
    private static final int RETAINED_BYTES = 1 << 20;

    private byte[] buf = new byte[1024];
    private int count;

    /** Empties this for the next record. */
    public BinaryOut reset() {
        count = 0;
        if (buf.length > RETAINED_BYTES) {
            buf = new byte[1024];
        }
        return this;
    }

    /** One byte. */
    public void write(int b) {
        ensure(1);
        buf[count++] = (byte) b;
    }

    /** {@code len} bytes of {@code b} from {@code off}. */
    public void write(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, buf, count, len);
        count += len;
    }

    /** A boolean as Avro writes it: one byte, 0 or 1. */
    public void bool(boolean b) {
        write(b ? 1 : 0);
    }

    /** An int, long or length as Avro writes it: zigzag, then seven bits a byte. */
    public void varlong(long n) {
        long v = (n << 1) ^ (n >> 63);
        ensure(10);
        while ((v & ~0x7FL) != 0) {
            buf[count++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[count++] = (byte) v;
    }

    /** A string as Avro writes it: its UTF-8 length, then the bytes. */
    public void string(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        varlong(b.length);
        write(b, 0, b.length);
    }

    /** The remaining bytes of {@code b} (its position unchanged), after their count, as Avro writes bytes. */
    public void bytes(ByteBuffer b) {
        int n = b.remaining();
        varlong(n);
        ensure(n);
        b.duplicate().get(buf, count, n);
        count += n;
    }

    /** A double as Avro writes it: its IEEE 754 bits, little-endian. */
    public void doubleValue(double d) {
        long bits = Double.doubleToRawLongBits(d);
        ensure(8);
        for (int i = 0; i < 8; i++) {
            buf[count++] = (byte) (bits >>> (8 * i));
        }
    }

    /** How many bytes are written. */
    public int size() {
        return count;
    }

    /** A copy of what was written. */
    public byte[] toByteArray() {
        return Arrays.copyOf(buf, count);
    }

    private void ensure(int more) {
        if (count + more > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, count + more));
        }
    }
}
