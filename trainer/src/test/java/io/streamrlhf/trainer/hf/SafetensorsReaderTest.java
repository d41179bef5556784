package io.streamrlhf.trainer.hf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsReaderTest {

    @TempDir
    Path tmp;

    @Test
    void readsBackF32ExactlyAndF16Bf16RoundedToNearestEven() throws IOException {
        Path file = tmp.resolve("model.safetensors");
        float third = 1f / 3;
        new SafetensorsWriter()
                .metadata("format", "pt")
                .add("a", DType.F32, new long[] {2, 2}, new float[] {1.5f, -2f, third, 1e-30f})
                .add("b", DType.F16, new long[] {4}, new float[] {1f, third, 65504f, 1e6f})
                .add("c", DType.BF16, new long[] {3}, new float[] {1f, third, -0.0f})
                .write(file);
        try (SafetensorsReader r = SafetensorsReader.open(file)) {
            assertThat(r.metadata()).containsEntry("format", "pt");
            assertThat(r.tensors().keySet()).containsExactly("a", "b", "c");
            assertThat(r.tensors().get("a").shape()).containsExactly(2, 2);
            assertThat(r.readFloats("a")).containsExactly(1.5f, -2f, third, 1e-30f);
            // Half 0x3555 is 1/3 rounded to 10 mantissa bits: 0.333251953125; 1e6 overflows to infinity.
            assertThat(r.readFloats("b")).containsExactly(1f, 0.333251953125f, 65504f, Float.POSITIVE_INFINITY);
            // 1/3 is 0x3EAAAAAB; to nearest even on 7 mantissa bits that is 0x3EAB: 0.333984375.
            assertThat(r.readFloats("c")).containsExactly(1f, 0.333984375f, -0.0f);
        }
        byte[] bytes = Files.readAllBytes(file);
        long headerLength =
                ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertThat(headerLength % 8).as("header padded to 8 bytes").isZero();
        int f16Start = (int) (8 + headerLength + 16);
        // 1.0 in binary16 is 0x3C00, stored little-endian.
        assertThat(Arrays.copyOfRange(bytes, f16Start, f16Start + 2)).containsExactly(0x00, 0x3c);
    }

    @Test
    void refusesAHeaderLengthAboveTheBound() throws IOException {
        Path file = tmp.resolve("huge.safetensors");
        Files.write(
                file,
                ByteBuffer.allocate(16)
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .putLong(SafetensorsReader.MAX_HEADER_BYTES + 1)
                        .array());
        assertThatThrownBy(() -> SafetensorsReader.open(file))
                .isInstanceOf(SafetensorsException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("header length");
    }

    @Test
    void refusesAHeaderLongerThanTheFile() throws IOException {
        Path file = tmp.resolve("short.safetensors");
        Files.write(file, withHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, 100));
        assertThatThrownBy(() -> SafetensorsReader.open(file))
                .isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("truncated");
    }

    @Test
    void refusesAFileShorterThanTheLengthField() throws IOException {
        Path file = tmp.resolve("tiny.safetensors");
        Files.write(file, new byte[] {1, 2, 3});
        assertThatThrownBy(() -> SafetensorsReader.open(file)).hasMessageContaining("truncated");
    }

    @Test
    void refusesOffsetsOutsideTheFileNamingTheTensor() throws IOException {
        Path file = tmp.resolve("outside.safetensors");
        Files.write(file, withHeader("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8, -1));
        assertThatThrownBy(() -> SafetensorsReader.open(file))
                .isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("tensor 'w'")
                .hasMessageContaining("past the end");
    }

    @Test
    void refusesATruncatedFileThatWasValid() throws IOException {
        Path file = tmp.resolve("cut.safetensors");
        new SafetensorsWriter()
                .add("x", DType.F32, new long[] {2}, new float[] {1, 2})
                .add("y", DType.F32, new long[] {3}, new float[] {1, 2, 3})
                .write(file);
        byte[] whole = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(whole, whole.length - 4));
        assertThatThrownBy(() -> SafetensorsReader.open(file))
                .isInstanceOf(SafetensorsException.class)
                .hasMessageContaining("tensor 'y'")
                .hasMessageContaining("past the end");
    }

    @Test
    void refusesADtypeAndShapeThatDisagreeWithTheByteSpan() throws IOException {
        Path file = tmp.resolve("span.safetensors");
        Files.write(file, withHeader("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, -1));
        assertThatThrownBy(() -> SafetensorsReader.open(file))
                .hasMessageContaining("tensor 'w'")
                .hasMessageContaining("need 12 bytes");
    }

    @Test
    void refusesOverlappingTensors() throws IOException {
        Path file = tmp.resolve("overlap.safetensors");
        Files.write(
                file,
                withHeader(
                        "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                                + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
                        12,
                        -1));
        assertThatThrownBy(() -> SafetensorsReader.open(file))
                .hasMessageContaining("tensor 'b'")
                .hasMessageContaining("overlap");
    }

    @Test
    void refusesNegativeAndOverflowingDimensions() throws IOException {
        Path negative = tmp.resolve("negative.safetensors");
        Files.write(negative, withHeader("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4, -1));
        assertThatThrownBy(() -> SafetensorsReader.open(negative))
                .hasMessageContaining("tensor 'w'")
                .hasMessageContaining("non-negative");
        Path overflow = tmp.resolve("overflow.safetensors");
        Files.write(
                overflow,
                withHeader(
                        "{\"w\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,4]}}", 4, -1));
        assertThatThrownBy(() -> SafetensorsReader.open(overflow))
                .hasMessageContaining("tensor 'w'")
                .hasMessageContaining("overflows");
    }

    @Test
    void refusesMalformedHeaders() throws IOException {
        Path notJson = tmp.resolve("notjson.safetensors");
        Files.write(notJson, withHeader("{not json", 0, -1));
        assertThatThrownBy(() -> SafetensorsReader.open(notJson)).hasMessageContaining("not valid JSON");
        Path duplicate = tmp.resolve("duplicate.safetensors");
        Files.write(
                duplicate,
                withHeader(
                        "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                                + "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
                        4,
                        -1));
        assertThatThrownBy(() -> SafetensorsReader.open(duplicate)).hasMessageContaining("not valid JSON");
        Path unknown = tmp.resolve("unknown.safetensors");
        Files.write(unknown, withHeader("{\"w\":{\"dtype\":\"Q4\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, -1));
        assertThatThrownBy(() -> SafetensorsReader.open(unknown)).hasMessageContaining("unknown dtype 'Q4'");
        Path gap = tmp.resolve("gap.safetensors");
        Files.write(gap, withHeader("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, -1));
        assertThatThrownBy(() -> SafetensorsReader.open(gap)).hasMessageContaining("gap");
    }

    @Test
    void refusesToConvertNonFloatTensors() throws IOException {
        Path file = tmp.resolve("ints.safetensors");
        Files.write(file, withHeader("{\"ids\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]}}", 16, -1));
        try (SafetensorsReader r = SafetensorsReader.open(file)) {
            assertThatThrownBy(() -> r.readFloats("ids"))
                    .hasMessageContaining("tensor 'ids'")
                    .hasMessageContaining("I64");
            assertThatThrownBy(() -> r.readFloats("missing")).hasMessageContaining("not in this file");
        }
    }

    /** A file with the given header JSON, {@code dataBytes} zero bytes after it, and a length field of the
     * header's length unless {@code declaredLength} is not negative. */
    private static byte[] withHeader(String json, int dataBytes, long declaredLength) {
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredLength >= 0 ? declaredLength : header.length).put(header);
        return b.array();
    }
}
