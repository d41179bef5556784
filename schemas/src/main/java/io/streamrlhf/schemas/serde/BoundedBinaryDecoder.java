package io.streamrlhf.schemas.serde;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.io.Decoder;
import org.apache.avro.util.Utf8;

/**
 * An Avro binary decoder over one byte array that checks every length and item count against the bytes
 * actually left before allocating anything. Avro's own {@code BinaryDecoder} allocates whatever a length
 * prefix claims, so ten corrupt bytes announcing a gigabyte string end in an {@link OutOfMemoryError} that
 * kills the consuming thread; here they end in an {@link EOFException} or {@link AvroRuntimeException} that
 * the deserializer reports as a bad record.
 */
final class BoundedBinaryDecoder extends Decoder {

    /** Items of zero encoded bytes (nulls, empty records) allowed beyond one per remaining byte. */
    private static final long ZERO_SIZE_ITEM_SLACK = 1024;

    private final byte[] buf;
    private final int limit;
    private int pos;

    BoundedBinaryDecoder(byte[] buf, int offset, int length) {
        this.buf = buf;
        this.pos = offset;
        this.limit = offset + length;
    }

    /** Whether every byte has been consumed. */
    boolean isEnd() {
        return pos == limit;
    }

    private int remaining() {
        return limit - pos;
    }

    private void require(long bytes, String what) throws EOFException {
        if (bytes > remaining()) {
            throw new EOFException(what + " needs " + bytes + " bytes but only " + remaining() + " remain");
        }
    }

    @Override
    public void readNull() {
        // null is encoded as zero bytes
    }

    @Override
    public boolean readBoolean() throws IOException {
        require(1, "boolean");
        byte b = buf[pos++];
        if (b != 0 && b != 1) {
            throw new AvroRuntimeException("Invalid boolean byte " + b);
        }
        return b == 1;
    }

    @Override
    public int readInt() throws IOException {
        long value = readVarLong(5, "int");
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw new AvroRuntimeException("Invalid int encoding: value " + value + " out of range");
        }
        return (int) value;
    }

    @Override
    public long readLong() throws IOException {
        return readVarLong(10, "long");
    }

    private long readVarLong(int maxBytes, String what) throws IOException {
        long raw = 0;
        for (int shift = 0, i = 0; i < maxBytes; i++, shift += 7) {
            require(1, what);
            int b = buf[pos++] & 0xff;
            raw |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return (raw >>> 1) ^ -(raw & 1);
            }
        }
        throw new AvroRuntimeException("Invalid " + what + " encoding: more than " + maxBytes + " varint bytes");
    }

    @Override
    public float readFloat() throws IOException {
        require(4, "float");
        int bits = (buf[pos] & 0xff)
                | (buf[pos + 1] & 0xff) << 8
                | (buf[pos + 2] & 0xff) << 16
                | (buf[pos + 3] & 0xff) << 24;
        pos += 4;
        return Float.intBitsToFloat(bits);
    }

    @Override
    public double readDouble() throws IOException {
        require(8, "double");
        long bits = 0;
        for (int i = 7; i >= 0; i--) {
            bits = bits << 8 | (buf[pos + i] & 0xff);
        }
        pos += 8;
        return Double.longBitsToDouble(bits);
    }

    private int readLength(String what) throws IOException {
        long length = readLong();
        if (length < 0) {
            throw new AvroRuntimeException("Malformed data: " + what + " length is negative: " + length);
        }
        require(length, what);
        return (int) length;
    }

    @Override
    public Utf8 readString(Utf8 old) throws IOException {
        int length = readLength("string");
        Utf8 result = old != null ? old : new Utf8();
        result.setByteLength(length);
        System.arraycopy(buf, pos, result.getBytes(), 0, length);
        pos += length;
        return result;
    }

    @Override
    public String readString() throws IOException {
        int length = readLength("string");
        String s = new String(buf, pos, length, StandardCharsets.UTF_8);
        pos += length;
        return s;
    }

    @Override
    public void skipString() throws IOException {
        int length = readLength("string"); // not "pos += readLength()": that adds to pos as it was before the length
        pos += length;
    }

    @Override
    public ByteBuffer readBytes(ByteBuffer old) throws IOException {
        int length = readLength("bytes");
        ByteBuffer result = old != null && old.capacity() >= length ? old.clear() : ByteBuffer.allocate(length);
        result.put(buf, pos, length).flip();
        pos += length;
        return result;
    }

    @Override
    public void skipBytes() throws IOException {
        int length = readLength("bytes");
        pos += length;
    }

    @Override
    public void readFixed(byte[] bytes, int start, int length) throws IOException {
        require(length, "fixed");
        System.arraycopy(buf, pos, bytes, start, length);
        pos += length;
    }

    @Override
    public void skipFixed(int length) throws IOException {
        require(length, "fixed");
        pos += length;
    }

    @Override
    public int readEnum() throws IOException {
        return readInt();
    }

    @Override
    public long readArrayStart() throws IOException {
        return readBlockCount("array");
    }

    @Override
    public long arrayNext() throws IOException {
        return readBlockCount("array");
    }

    @Override
    public long skipArray() throws IOException {
        return skipBlocks("array");
    }

    @Override
    public long readMapStart() throws IOException {
        return readBlockCount("map");
    }

    @Override
    public long mapNext() throws IOException {
        return readBlockCount("map");
    }

    @Override
    public long skipMap() throws IOException {
        return skipBlocks("map");
    }

    @Override
    public int readIndex() throws IOException {
        return readInt();
    }

    private long readBlockCount(String what) throws IOException {
        long count = readLong();
        if (count < 0) {
            if (count == Long.MIN_VALUE) {
                throw new AvroRuntimeException("Malformed data: " + what + " block count " + count);
            }
            count = -count;
            long size = readLong();
            if (size < 0) {
                throw new AvroRuntimeException("Malformed data: " + what + " block size is negative: " + size);
            }
            require(size, what + " block");
        }
        checkCount(count, what);
        return count;
    }

    private long skipBlocks(String what) throws IOException {
        while (true) {
            long count = readLong();
            if (count >= 0) {
                checkCount(count, what);
                return count;
            }
            if (count == Long.MIN_VALUE) {
                throw new AvroRuntimeException("Malformed data: " + what + " block count " + count);
            }
            long size = readLong();
            if (size < 0) {
                throw new AvroRuntimeException("Malformed data: " + what + " block size is negative: " + size);
            }
            require(size, what + " block");
            pos += (int) size;
        }
    }

    private void checkCount(long count, String what) {
        // Readers preallocate a block's items: a count no byte budget can back is corruption, not data.
        if (count > remaining() + ZERO_SIZE_ITEM_SLACK) {
            throw new AvroRuntimeException(
                    "Malformed data: " + what + " block of " + count + " items in " + remaining() + " remaining bytes");
        }
    }
}
