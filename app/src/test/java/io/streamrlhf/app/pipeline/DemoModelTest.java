package io.streamrlhf.app.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.Device;
import io.streamrlhf.trainer.model.llama.LlamaPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoModelTest {

    @Test
    void firstStartWritesATinyLlamaDirectoryOfTheByteModelsSizeThatLoadsAsAnyHuggingFaceModel(@TempDir Path data)
            throws Exception {
        // given the demo's settings on a fresh data folder
        Path dir = DemoModel.directory(data);
        // when
        DemoModel.ensure(Map.of("trainer.model.dir", dir.toString()));
        // then a complete Hugging Face directory is there, and nothing half-written beside it
        for (String file :
                new String[] {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"}) {
            assertThat(dir.resolve(file)).isRegularFile();
        }
        assertThat(data.resolve(DemoModel.DIR_NAME + ".partial")).doesNotExist();
        try (LlamaPolicy policy = LlamaPolicy.load(dir, Optional.empty(), 0, 128, Device.cpu())) {
            // 2 layers x 12 x 128^2 (attention 3 d^2 with 2 key/value heads of 4, SwiGLU 9 d^2), 2 x 260 x 128
            // embedding and head, 5 norms of 128: about the 0.45 M parameters of the byte-level model it replaces
            assertThat(policy.model().parameterCount()).isEqualTo(2L * 12 * 128 * 128 + 2L * 260 * 128 + 5L * 128);
            assertThat(policy.tokenizer().encodePrompt("Hi", 16)).hasSize(4); // bos, H, i, sep
        }
    }

    @Test
    void aLaterStartKeepsTheWrittenModelAndAUsersDirectoryIsLeftAlone(@TempDir Path data) throws Exception {
        Path dir = DemoModel.directory(data);
        DemoModel.ensure(Map.of("trainer.model.dir", dir.toString()));
        long written =
                Files.getLastModifiedTime(dir.resolve("model.safetensors")).toMillis();
        Files.setLastModifiedTime(
                dir.resolve("model.safetensors"), java.nio.file.attribute.FileTime.fromMillis(written - 60_000));

        DemoModel.ensure(Map.of("trainer.model.dir", dir.toString()));
        Path own = Files.createDirectories(data.resolve("my-model"));
        DemoModel.ensure(Map.of("trainer.model.dir", own.toString()));

        assertThat(Files.getLastModifiedTime(dir.resolve("model.safetensors")).toMillis())
                .isEqualTo(written - 60_000);
        assertThat(own).isEmptyDirectory();
    }
}
