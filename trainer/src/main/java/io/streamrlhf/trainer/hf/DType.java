package io.streamrlhf.trainer.hf;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.util.Optional;

/**
 * The element types of the safetensors format (the names its header uses) with their sizes. Only the floating
 * types a checkpoint's weights come in ({@link #F32}, {@link #F16}, {@link #BF16}) convert to fp32.
 */
public enum DType {
    BOOL(1),
    U8(1),
    I8(1),
    F8_E4M3(1),
    F8_E5M2(1),
    I16(2),
    U16(2),
    F16(2),
    BF16(2),
    I32(4),
    U32(4),
    F32(4),
    I64(8),
    U64(8),
    F64(8);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** Whether {@link #decode} reads this type. */
    public boolean isFloatWeight() {
        return this == F32 || this == F16 || this == BF16;
    }

    /** The type of a header's {@code dtype} string, if it is one of the format's. */
    public static Optional<DType> of(String name) {
        for (DType t : values()) {
            if (t.name().equals(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** Decodes {@code out.remaining()} little-endian elements of this type from {@code in} into {@code out}. */
    void decode(ByteBuffer in, FloatBuffer out) {
        switch (this) {
            case F32 -> out.put(in.asFloatBuffer());
            case F16 -> {
                while (out.hasRemaining()) {
                    out.put(halfToFloat(in.getShort() & 0xffff));
                }
            }
            case BF16 -> {
                while (out.hasRemaining()) {
                    out.put(Float.intBitsToFloat((in.getShort() & 0xffff) << 16));
                }
            }
            default -> throw new IllegalStateException(this + " is not a floating weight type");
        }
    }

    /** Encodes {@code value} as this type into {@code out} (little-endian), rounding to nearest even. */
    void encode(float value, ByteBuffer out) {
        switch (this) {
            case F32 -> out.putFloat(value);
            case F16 -> out.putShort((short) floatToHalf(value));
            case BF16 -> out.putShort((short) floatToBf16(value));
            default -> throw new IllegalStateException(this + " is not a floating weight type");
        }
    }

    /** IEEE binary16 to binary32 (exact). */
    static float halfToFloat(int h) {
        int exponent = (h >>> 10) & 0x1f;
        int mantissa = h & 0x3ff;
        float magnitude;
        if (exponent == 0) {
            magnitude = mantissa * 0x1p-24f;
        } else if (exponent == 0x1f) {
            magnitude = mantissa == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
        } else {
            magnitude = Float.intBitsToFloat(((exponent - 15 + 127) << 23) | (mantissa << 13));
        }
        return (h & 0x8000) != 0 ? -magnitude : magnitude;
    }

    /** Binary32 to IEEE binary16, round to nearest even, overflow to infinity. */
    static int floatToHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int abs = bits & 0x7fffffff;
        if (abs >= 0x7f800000) {
            return sign | (abs > 0x7f800000 ? 0x7e00 : 0x7c00);
        }
        if (abs >= 0x477ff000) { // 65520 and above round to infinity
            return sign | 0x7c00;
        }
        if (abs < 0x38800000) { // below 2^-14: a subnormal half; scaling by 2^24 is exact, rint rounds to even
            return sign | (int) Math.rint(Float.intBitsToFloat(abs) * 0x1p24f);
        }
        int half = (((abs >>> 23) - 127 + 15) << 10) | ((abs & 0x7fffff) >>> 13);
        int rest = abs & 0x1fff;
        if (rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1)) {
            half++; // a carry into the exponent is the correct rounding
        }
        return sign | half;
    }

    /** Binary32 to bfloat16, round to nearest even. */
    static int floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return (bits >>> 16) | 0x40;
        }
        return (bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16;
    }
}
