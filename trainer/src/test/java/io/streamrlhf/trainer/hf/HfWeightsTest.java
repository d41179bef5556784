package io.streamrlhf.trainer.hf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfWeightsTest {

    @TempDir
    Path tmp;

    @Test
    void readsTensorsFromTheShardsTheIndexNames() throws IOException {
        new SafetensorsWriter()
                .add("a", DType.F32, new long[] {1}, new float[] {1})
                .write(tmp.resolve("s1.safetensors"));
        new SafetensorsWriter()
                .add("b", DType.BF16, new long[] {2}, new float[] {2, 3})
                .write(tmp.resolve("s2.safetensors"));
        Files.writeString(
                tmp.resolve(HfWeights.INDEX_FILE),
                "{\"metadata\":{},\"weight_map\":{\"a\":\"s1.safetensors\",\"b\":\"s2.safetensors\"}}");
        try (HfWeights w = HfWeights.open(tmp)) {
            assertThat(w.names()).containsExactly("a", "b");
            assertThat(w.readFloats("b")).containsExactly(2f, 3f);
            assertThat(w.info("a").dtype()).isEqualTo(DType.F32);
        }
    }

    @Test
    void refusesShardNamesOutsideTheDirectory() throws IOException {
        Path model = Files.createDirectory(tmp.resolve("model"));
        new SafetensorsWriter()
                .add("a", DType.F32, new long[] {1}, new float[] {1})
                .write(tmp.resolve("outside.safetensors"));
        Files.writeString(model.resolve(HfWeights.INDEX_FILE), "{\"weight_map\":{\"a\":\"../outside.safetensors\"}}");
        assertThatThrownBy(() -> HfWeights.open(model))
                .hasMessageContaining("'a'")
                .hasMessageContaining("not a file inside the model directory");
    }

    @Test
    void refusesAnIndexPlacingATensorInAShardWithoutIt() throws IOException {
        new SafetensorsWriter()
                .add("a", DType.F32, new long[] {1}, new float[] {1})
                .write(tmp.resolve("s1.safetensors"));
        Files.writeString(tmp.resolve(HfWeights.INDEX_FILE), "{\"weight_map\":{\"b\":\"s1.safetensors\"}}");
        assertThatThrownBy(() -> HfWeights.open(tmp))
                .hasMessageContaining("'b'")
                .hasMessageContaining("does not hold it");
    }

    @Test
    void namesBothLayoutsWhenNeitherIsThere() {
        assertThatThrownBy(() -> HfWeights.open(tmp))
                .hasMessageContaining(HfWeights.SINGLE_FILE)
                .hasMessageContaining(HfWeights.INDEX_FILE);
    }
}
